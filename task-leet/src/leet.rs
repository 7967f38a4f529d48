//! The leetspeak mapping, kept apart from the messaging glue so it reads (and
//! tests) as plain Rust.

/// Which letters become digits: the worker's `style` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// a e i o s t l: the default.
    Basic,
    /// Those, and b g z as well.
    Extended,
}

impl Style {
    /// The config key, and its value when the key is absent.
    pub const KEY: &str = "style";
    const DEFAULT: Style = Style::Basic;

    /// Reads the setting; a value other than `basic` or `extended` is an
    /// error that names the key and the value.
    pub fn from_setting(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim) {
            None => Ok(Self::DEFAULT),
            Some("basic") => Ok(Self::Basic),
            Some("extended") => Ok(Self::Extended),
            // `concat` rather than `format!`: the formatting machinery
            // would make this small worker a third larger.
            Some(other) => Err([
                "config `",
                Self::KEY,
                "` must be `basic` or `extended`, not `",
                other,
                "`",
            ]
            .concat()),
        }
    }
}

/// Replaces letters (either case) with look-alike digits; every other
/// character, including non-ASCII text, is kept as it is.
pub fn translate(text: &str, style: Style) -> String {
    text.chars().map(|c| leet_char(c, style)).collect()
}

fn leet_char(c: char, style: Style) -> char {
    match (c.to_ascii_lowercase(), style) {
        ('a', _) => '4',
        ('e', _) => '3',
        ('i' | 'l', _) => '1',
        ('o', _) => '0',
        ('s', _) => '5',
        ('t', _) => '7',
        ('b', Style::Extended) => '8',
        ('g', Style::Extended) => '9',
        ('z', Style::Extended) => '2',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_each_letter_in_either_case() {
        assert_eq!(translate("aeiostl", Style::Basic), "4310571");
        assert_eq!(translate("AEIOSTL", Style::Basic), "4310571");
        assert_eq!(translate("bgzBGZ", Style::Extended), "892892");
    }

    #[test]
    fn keeps_other_characters() {
        assert_eq!(translate("Hello World", Style::Basic), "H3110 W0r1d");
        assert_eq!(translate("2 + 2 = 4?!", Style::Basic), "2 + 2 = 4?!");
        assert_eq!(
            translate("bcdfghjkmnpqrvwxyz", Style::Basic),
            "bcdfghjkmnpqrvwxyz"
        );
        assert_eq!(translate("Big Buzz", Style::Extended), "819 8u22");
    }

    #[test]
    fn keeps_non_ascii_text() {
        assert_eq!(
            translate("Ünïcödé straße 🚀", Style::Basic),
            "Ünïcödé 57r4ß3 🚀"
        );
        assert_eq!(translate("", Style::Extended), "");
    }

    #[test]
    fn the_style_setting_defaults_to_basic_and_refuses_other_values() {
        assert_eq!(Style::from_setting(None), Ok(Style::Basic));
        assert_eq!(Style::from_setting(Some("basic")), Ok(Style::Basic));
        assert_eq!(Style::from_setting(Some(" extended ")), Ok(Style::Extended));
        for bad in ["", "Basic", "fancy"] {
            let error = Style::from_setting(Some(bad)).unwrap_err();
            assert_eq!(
                error,
                format!(
                    "config `style` must be `basic` or `extended`, not `{}`",
                    bad.trim()
                )
            );
        }
    }
}
