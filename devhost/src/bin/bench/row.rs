//! One row of the table: a component, its wrk runs over the rounds, and
//! what the report makes of them (medians, ranges, ratios to the floor).

use crate::cold_start::ColdStart;
use crate::stats;
use crate::wrk::WrkResult;

pub struct Row {
    pub label: &'static str,
    /// "GET /", "POST /task".
    pub request: String,
    pub is_floor: bool,
    /// The HTTP component's size, then its worker's, if any.
    pub sizes: Vec<u64>,
    pub cold: ColdStart,
    /// Its wrk runs, one list per round, in the order they ran: one run for
    /// a template, two for the floor (the round's first and last row).
    pub rounds: Vec<Vec<WrkResult>>,
}

impl Row {
    /// Every run's requests/s, round after round.
    pub fn requests_per_sec(&self) -> Vec<f64> {
        self.runs().map(|run| run.requests_per_sec).collect()
    }

    pub fn median(&self) -> Option<f64> {
        stats::median(&self.requests_per_sec())
    }

    pub fn range(&self) -> Option<(f64, f64)> {
        stats::min_max(&self.requests_per_sec())
    }

    /// The run whose requests/s is the median (for an even count, the
    /// slower of the middle two): the table's p50 and p99 are its.
    pub fn median_run(&self) -> Option<&WrkResult> {
        let index = stats::median_index(&self.requests_per_sec())?;
        self.runs().nth(index)
    }

    /// Why its numbers cannot be trusted: every run that met errors.
    pub fn problem(&self) -> Option<String> {
        let mut problems = Vec::new();
        for (round, runs) in (1..).zip(&self.rounds) {
            let in_round = runs.iter().filter_map(WrkResult::problem);
            problems.extend(in_round.map(|problem| format!("round {round}: {problem}")));
        }
        (!problems.is_empty()).then(|| problems.join("; "))
    }

    fn runs(&self) -> impl Iterator<Item = &WrkResult> {
        self.rounds.iter().flatten()
    }

    /// The mean requests/s of each round's runs, round by round.
    fn round_means(&self) -> impl Iterator<Item = Option<f64>> {
        self.rounds.iter().map(|runs| {
            let rps: Vec<f64> = runs.iter().map(|run| run.requests_per_sec).collect();
            stats::mean(&rps)
        })
    }
}

/// A row's median requests/s over the median of all the floor's runs.
pub fn ratio(row: &Row, floor: &Row) -> Option<f64> {
    Some(row.median()? / floor.median()?)
}

/// The lowest and the highest, over the rounds, of the row's requests/s in
/// a round over the mean of that round's floor runs.
pub fn ratio_range(row: &Row, floor: &Row) -> Option<(f64, f64)> {
    let ratios: Vec<f64> = (row.round_means().zip(floor.round_means()))
        .filter_map(|(row, floor)| Some(row? / floor?))
        .collect();
    stats::min_max(&ratios)
}

/// The median requests/s of the floor's first runs (one per round) and of
/// its last runs: how the machine drifted from start to end.
pub fn drift(floor: &Row) -> Option<(f64, f64)> {
    let rps = |run: &WrkResult| run.requests_per_sec;
    let first: Vec<f64> = floor
        .rounds
        .iter()
        .filter_map(|r| r.first())
        .map(rps)
        .collect();
    let last: Vec<f64> = floor
        .rounds
        .iter()
        .filter_map(|r| r.last())
        .map(rps)
        .collect();
    Some((stats::median(&first)?, stats::median(&last)?))
}

#[cfg(test)]
pub mod tests {
    use std::time::Duration;

    use super::*;

    /// A clean run whose p50 is its requests/s in microseconds, so a test
    /// can tell which run the latencies came from.
    pub fn run(rps: f64) -> WrkResult {
        WrkResult {
            requests_per_sec: rps,
            p50: Duration::from_micros(rps as u64),
            p99: Duration::from_micros(rps as u64 * 4),
            requests: 1000,
            non_2xx: 0,
            socket_errors: 0,
        }
    }

    /// A row with the given runs per round.
    pub fn row(label: &'static str, rounds: &[&[f64]]) -> Row {
        Row {
            label,
            request: "GET /".to_string(),
            is_floor: label == "floor",
            sizes: vec![1234],
            cold: ColdStart {
                median: Duration::from_millis(300),
                min: Duration::from_millis(250),
            },
            rounds: rounds
                .iter()
                .map(|runs| runs.iter().map(|&rps| run(rps)).collect())
                .collect(),
        }
    }

    #[test]
    fn median_and_range_over_all_rounds() {
        let hello = row("hello", &[&[900.0], &[700.0], &[800.0]]);
        assert_eq!(hello.median(), Some(800.0));
        assert_eq!(hello.range(), Some((700.0, 900.0)));
        assert_eq!(hello.median_run(), Some(&run(800.0)));
    }

    #[test]
    fn the_floor_merges_both_runs_of_every_round() {
        let floor = row("floor", &[&[1000.0, 1200.0], &[800.0, 1600.0]]);
        assert_eq!(floor.median(), Some(1100.0));
        assert_eq!(floor.range(), Some((800.0, 1600.0)));
        // An even count: the latencies of the slower of the middle two.
        assert_eq!(floor.median_run(), Some(&run(1000.0)));
        // Last runs 1200 and 1600 against first runs 1000 and 800.
        assert_eq!(drift(&floor), Some((900.0, 1400.0)));
    }

    #[test]
    fn ratio_is_of_medians_and_its_range_is_round_by_round() {
        let floor = row(
            "floor",
            &[&[1000.0, 1000.0], &[400.0, 600.0], &[2000.0, 2000.0]],
        );
        let hello = row("hello", &[&[900.0], &[450.0], &[1000.0]]);
        // 900 over the floor's median, 1000.
        assert_eq!(ratio(&hello, &floor), Some(0.9));
        // Round by round: 0.9, 0.9, 0.5.
        assert_eq!(ratio_range(&hello, &floor), Some((0.5, 0.9)));
    }

    #[test]
    fn a_run_with_errors_anywhere_fails_the_row() {
        let mut kv = row("kv", &[&[10.0], &[10.0], &[10.0]]);
        assert_eq!(kv.problem(), None);
        kv.rounds[1][0].non_2xx = 3;
        let problem = kv.problem().unwrap();
        assert!(
            problem.starts_with("round 2: 3 non-2xx responses"),
            "{problem}"
        );
    }

    #[test]
    fn an_empty_row_has_no_numbers() {
        let empty = row("floor", &[]);
        assert_eq!(empty.median(), None);
        assert_eq!(empty.median_run(), None);
        assert_eq!(drift(&empty), None);
        assert_eq!(ratio_range(&empty, &empty), None);
    }
}
