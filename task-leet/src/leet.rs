//! The leetspeak mapping, kept apart from the messaging glue so it reads (and
//! tests) as plain Rust.

/// Replaces a, e, i, o, s, t and l (either case) with look-alike digits;
/// every other character, including non-ASCII text, is kept as it is.
pub fn translate(text: &str) -> String {
    text.chars().map(leet_char).collect()
}

fn leet_char(c: char) -> char {
    match c.to_ascii_lowercase() {
        'a' => '4',
        'e' => '3',
        'i' | 'l' => '1',
        'o' => '0',
        's' => '5',
        't' => '7',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn maps_each_letter_in_either_case() {
        assert_eq!(translate("aeiostl"), "4310571");
        assert_eq!(translate("AEIOSTL"), "4310571");
    }

    #[test]
    fn keeps_other_characters() {
        assert_eq!(translate("Hello World"), "H3110 W0r1d");
        assert_eq!(translate("2 + 2 = 4?!"), "2 + 2 = 4?!");
        assert_eq!(translate("bcdfghjkmnpqrvwxyz"), "bcdfghjkmnpqrvwxyz");
    }

    #[test]
    fn keeps_non_ascii_text() {
        assert_eq!(translate("Ünïcödé straße 🚀"), "Ünïcödé 57r4ß3 🚀");
        assert_eq!(translate(""), "");
    }
}
