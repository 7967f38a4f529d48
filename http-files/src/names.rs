//! The file names a request may use, checked before any filesystem call.
//!
//! A name is one plain path component: it can never be `..`, hold a `/`,
//! or name a hidden file (the temporary files of unfinished writes are
//! hidden). The check is on the raw path, never percent-decoded, so `%2F`
//! and `%2E%2E` fail it too.

/// The longest name, in bytes: each character allowed is one byte.
const MAX_NAME_LEN: usize = 64;

/// The rule, as a 400 states it.
pub fn rule() -> String {
    format!(
        "a file name is 1 to {MAX_NAME_LEN} characters of A-Z a-z 0-9 . _ -, \
         does not start with . and does not contain .."
    )
}

pub fn is_valid(name: &str) -> bool {
    (1..=MAX_NAME_LEN).contains(&name.len())
        && !name.starts_with('.')
        && !name.contains("..")
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_valid() {
        let longest = "a".repeat(MAX_NAME_LEN);
        for name in ["hello.txt", "a", "A-Z_0-9", "notes.v2.md", "x.", &longest] {
            assert!(is_valid(name), "{name}");
        }
    }

    #[test]
    fn anything_that_could_leave_the_directory_is_invalid() {
        let escapes = [
            "..",
            "../etc/passwd",
            "a/b",
            "/",
            "a..b",
            "%2F",
            "%2E%2E",
            "a\\b",
        ];
        for name in escapes {
            assert!(!is_valid(name), "{name}");
        }
    }

    #[test]
    fn empty_long_hidden_and_odd_names_are_invalid() {
        let too_long = "a".repeat(65);
        let odd = [
            "",
            ".hidden",
            ".",
            &too_long,
            "a b",
            "caf\u{e9}",
            "a\0b",
            "a:b",
        ];
        for name in odd {
            assert!(!is_valid(name), "{name:?}");
        }
    }
}
