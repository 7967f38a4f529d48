//! A library component: it exports `wasmcloud:templates/text-processor`
//! and serves no request of its own. Another component imports the
//! interface, and composition links the two into one.

mod bindings {
    // The generated export glue needs `unsafe`; the rest of the crate may not.
    #![allow(unsafe_code)]
    wit_bindgen::generate!({
        path: "../wit",
        world: "wasmcloud:templates/text-library",
    });
}

use bindings::exports::wasmcloud::templates::text_processor::Guest;

struct TextProcessor;

impl Guest for TextProcessor {
    fn clean(text: String) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn count_words(text: String) -> u32 {
        // A string over 4 GiB cannot cross the interface: no overflow here.
        u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX)
    }
}

// The export glue is generated `unsafe` code: allowed here, and only here.
#[allow(unsafe_code)]
mod export {
    use super::TextProcessor;
    crate::bindings::export!(TextProcessor with_types_in crate::bindings);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_makes_each_run_of_whitespace_one_space() {
        let clean = |text: &str| TextProcessor::clean(text.to_string());
        assert_eq!(
            clean("  Hello,\t composed \n\n world  "),
            "Hello, composed world"
        );
        assert_eq!(clean("Grüße aus Köln"), "Grüße aus Köln");
        assert_eq!(clean(" \n\t "), "");
    }

    #[test]
    fn count_words_counts_runs_of_non_whitespace() {
        let count = |text: &str| TextProcessor::count_words(text.to_string());
        assert_eq!(count("  Hello,\t composed \n\n world  "), 3);
        assert_eq!(count("one"), 1);
        assert_eq!(count(""), 0);
        assert_eq!(count("a\u{3000}b"), 2);
    }
}
