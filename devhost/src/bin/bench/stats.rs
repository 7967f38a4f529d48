//! Median, range and mean of a handful of samples. Each is `None` for no
//! samples, so an empty row cannot divide by zero unnoticed.

/// The middle value, or the mean of the middle two for an even count.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
    }
}

/// Where the median value is: the middle one, or the lower of the middle
/// two for an even count.
pub fn median_index(values: &[f64]) -> Option<usize> {
    let mut indexes: Vec<usize> = (0..values.len()).collect();
    indexes.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    indexes.get(values.len().saturating_sub(1) / 2).copied()
}

/// The smallest and the largest value.
pub fn min_max(values: &[f64]) -> Option<(f64, f64)> {
    let first = *values.first()?;
    Some(values.iter().fold((first, first), |(min, max), &value| {
        (min.min(value), max.max(value))
    }))
}

pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[9.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 9.0, 1.0, 2.0]), Some(3.0));
        assert_eq!(median(&[5.0]), Some(5.0));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn median_index_points_at_the_median_or_the_lower_middle() {
        assert_eq!(median_index(&[9.0, 1.0, 2.0]), Some(2));
        assert_eq!(median_index(&[4.0, 9.0, 1.0, 2.0]), Some(3));
        assert_eq!(median_index(&[5.0]), Some(0));
        assert_eq!(median_index(&[]), None);
    }

    #[test]
    fn min_max_and_mean() {
        assert_eq!(min_max(&[3.0, 1.0, 7.0, 2.0]), Some((1.0, 7.0)));
        assert_eq!(min_max(&[]), None);
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(mean(&[]), None);
    }
}
