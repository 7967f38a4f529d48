//! NATS subject patterns, as used in a component's `subscriptions` config.
//!
//! Subjects are `.`-separated tokens. In a pattern, `*` matches exactly one
//! token and `>` (only as the last token) matches one or more tokens.

/// A parsed subscription pattern such as `tasks.*` or `events.>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectPattern {
    text: String,
}

impl SubjectPattern {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_string(),
        }
    }

    /// The pattern as written, such as `tasks.*`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a message published to `subject` reaches this pattern.
    pub fn matches(&self, subject: &str) -> bool {
        let mut subject_tokens = subject.split('.');
        for pattern_token in self.text.split('.') {
            match (pattern_token, subject_tokens.next()) {
                // `>` needs at least one token, which `next()` just gave us.
                (">", Some(_)) => return true,
                (_, None) => return false,
                ("*", Some(token)) => {
                    if token.is_empty() {
                        return false;
                    }
                }
                (literal, Some(token)) => {
                    if literal != token {
                        return false;
                    }
                }
            }
        }
        // Every pattern token matched; the subject must not be longer.
        subject_tokens.next().is_none()
    }
}

impl std::fmt::Display for SubjectPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Splits a `subscriptions` config value (`"tasks.leet, tasks.task-leet"`)
/// into patterns, trimming spaces and skipping empty entries.
pub fn parse_subscriptions(value: &str) -> Vec<SubjectPattern> {
    value
        .split(',')
        .map(str::trim)
        .filter(|pattern| !pattern.is_empty())
        .map(SubjectPattern::new)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, subject: &str) -> bool {
        SubjectPattern::new(pattern).matches(subject)
    }

    #[test]
    fn exact_subjects() {
        assert!(matches("tasks.leet", "tasks.leet"));
        assert!(matches("tasks", "tasks"));
        assert!(!matches("tasks.leet", "tasks.leets"));
        assert!(!matches("tasks.leet", "tasks"));
        assert!(!matches("tasks", "tasks.leet"));
        assert!(!matches("tasks.leet", "tasks.leet.more"));
    }

    #[test]
    fn star_matches_exactly_one_token() {
        assert!(matches("tasks.*", "tasks.leet"));
        assert!(matches("*.leet", "tasks.leet"));
        assert!(matches("a.*.c", "a.b.c"));
        assert!(!matches("tasks.*", "tasks"));
        assert!(!matches("tasks.*", "tasks.leet.extra"));
        assert!(!matches("a.*.c", "a.b.d"));
        assert!(!matches("tasks.*", "tasks."));
    }

    #[test]
    fn greater_than_matches_one_or_more_trailing_tokens() {
        assert!(matches("tasks.>", "tasks.leet"));
        assert!(matches("tasks.>", "tasks.leet.extra.more"));
        assert!(matches(">", "anything.at.all"));
        assert!(!matches("tasks.>", "tasks"));
        assert!(!matches("tasks.>", "other.leet"));
    }

    #[test]
    fn subscriptions_are_trimmed_and_empties_skipped() {
        let patterns = parse_subscriptions(" tasks.leet, ,tasks.task-leet ,");
        let texts: Vec<&str> = patterns.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["tasks.leet", "tasks.task-leet"]);
        assert!(parse_subscriptions("").is_empty());
        assert!(parse_subscriptions(" , ").is_empty());
    }
}
