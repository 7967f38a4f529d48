//! The line protocol, as plain Rust (unit tested): a client sends lines of
//! UTF-8 text, and gets each back in leetspeak.

use crate::protocol::MAX_LINE;

/// What the service answers to one line, with its newline.
pub fn reply(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match std::str::from_utf8(line) {
        Ok(text) => {
            let mut reply: String = text.chars().map(leet).collect();
            reply.push('\n');
            reply
        }
        Err(_) => "error: the line is not UTF-8\n".to_string(),
    }
}

/// The answer to a line over [`MAX_LINE`], before the connection closes.
pub fn too_long() -> String {
    format!("error: the line is over {MAX_LINE} bytes\n")
}

/// a e i o s t l (either case) become look-alike digits; every other
/// character, non-ASCII included, is kept.
fn leet(c: char) -> char {
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
    use super::*;

    #[test]
    fn each_line_comes_back_in_leetspeak() {
        assert_eq!(reply(b"Hello World"), "H3110 W0r1d\n");
        assert_eq!(reply(b"Hello World\r"), "H3110 W0r1d\n");
        assert_eq!(reply("Straße 🚀".as_bytes()), "57r4ß3 🚀\n");
        assert_eq!(reply(b""), "\n");
    }

    #[test]
    fn a_line_that_is_not_utf8_gets_an_error() {
        assert_eq!(reply(&[0x68, 0xff, 0xfe]), "error: the line is not UTF-8\n");
    }

    #[test]
    fn the_too_long_answer_names_the_limit() {
        assert_eq!(too_long(), "error: the line is over 4096 bytes\n");
    }
}
