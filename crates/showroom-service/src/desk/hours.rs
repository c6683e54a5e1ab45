//! Business hours: weekly opening times in the shop's time zone. Time is an input.

use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

use super::config::HoursConfig;

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// One opening window on one weekday, local time of [`Hours::timezone`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    pub day: &'static str,
    pub open: String,
    pub close: String,
    #[serde(skip)]
    weekday: Weekday,
    #[serde(skip)]
    from: NaiveTime,
    #[serde(skip)]
    to: NaiveTime,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hours {
    pub timezone: String,
    pub weekly: Vec<Window>,
    #[serde(skip)]
    tz: Tz,
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum HoursError {
    #[error("unknown time zone `{0}` (use an IANA name such as Europe/Madrid)")]
    TimeZone(String),
    #[error("cannot read opening hours `{0}`; write e.g. \"mon-fri 09:00-18:00\"")]
    Window(String),
}

fn weekday(s: &str) -> Option<usize> {
    DAYS.iter().position(|(name, _)| *name == s)
}

fn parse_window(spec: &str) -> Option<Vec<Window>> {
    let (days, times) = spec.trim().split_once(' ')?;
    let (from, to) = times.trim().split_once('-')?;
    let (from, to) = (NaiveTime::parse_from_str(from, "%H:%M").ok()?, NaiveTime::parse_from_str(to, "%H:%M").ok()?);
    if to <= from {
        return None;
    }
    let (first, last) = match days.split_once('-') {
        Some((a, b)) => (weekday(a)?, weekday(b)?),
        None => (weekday(days)?, weekday(days)?),
    };
    if last < first {
        return None;
    }
    Some(
        DAYS[first..=last]
            .iter()
            .map(|(day, wd)| Window { day, open: from.format("%H:%M").to_string(), close: to.format("%H:%M").to_string(), weekday: *wd, from, to })
            .collect(),
    )
}

impl Hours {
    pub fn parse(cfg: &HoursConfig) -> Result<Hours, HoursError> {
        let tz: Tz = cfg.timezone.parse().map_err(|_| HoursError::TimeZone(cfg.timezone.clone()))?;
        let mut weekly = Vec::new();
        for spec in &cfg.weekly {
            weekly.extend(parse_window(spec).ok_or_else(|| HoursError::Window(spec.clone()))?);
        }
        weekly.sort_by_key(|w| (w.weekday.num_days_from_monday(), w.from));
        Ok(Hours { timezone: cfg.timezone.clone(), weekly, tz })
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.tz);
        let t = local.time();
        self.weekly.iter().any(|w| w.weekday == local.weekday() && w.from <= t && t < w.to)
    }

    /// The next opening after `now` (itself when open), within two weeks.
    pub fn next_open(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_open(now) {
            return Some(now);
        }
        let local_day = now.with_timezone(&self.tz).date_naive();
        (0..15)
            .filter_map(|d| local_day.checked_add_days(chrono::Days::new(d)))
            .flat_map(|day| {
                self.weekly.iter().filter(move |w| w.weekday == day.weekday()).filter_map(move |w| {
                    // A DST gap has no such local time: take the earliest valid reading.
                    self.tz.from_local_datetime(&day.and_time(w.from)).earliest().map(|t| t.with_timezone(&Utc))
                })
            })
            .find(|t| *t > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn madrid() -> Hours {
        Hours::parse(&HoursConfig { timezone: "Europe/Madrid".into(), weekly: vec!["mon-fri 09:00-18:00".into(), "sat 10:00-14:00".into()] })
            .unwrap()
    }

    #[test]
    fn open_and_next_opening_follow_the_shop_time_zone() {
        let h = madrid();
        assert_eq!(h.weekly.len(), 6);
        // Friday 2026-12-04 08:30 UTC = 09:30 in Madrid (CET, UTC+1): open.
        let fri = Utc.with_ymd_and_hms(2026, 12, 4, 8, 30, 0).unwrap();
        assert!(h.is_open(fri));
        // 17:30 UTC = 18:30 Madrid: closed; next opening Saturday 10:00 Madrid = 09:00 UTC.
        let evening = Utc.with_ymd_and_hms(2026, 12, 4, 17, 30, 0).unwrap();
        assert!(!h.is_open(evening));
        assert_eq!(h.next_open(evening), Some(Utc.with_ymd_and_hms(2026, 12, 5, 9, 0, 0).unwrap()));
        // Saturday after 14:00 → Monday 09:00 Madrid = 08:00 UTC.
        let sat = Utc.with_ymd_and_hms(2026, 12, 5, 15, 0, 0).unwrap();
        assert_eq!(h.next_open(sat), Some(Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap()));
        // Summer time: 09:00 Madrid = 07:00 UTC.
        let july = Utc.with_ymd_and_hms(2026, 7, 6, 6, 0, 0).unwrap();
        assert_eq!(h.next_open(july), Some(Utc.with_ymd_and_hms(2026, 7, 6, 7, 0, 0).unwrap()));
    }

    #[test]
    fn bad_hours_are_explained() {
        let bad = |tz: &str, w: &str| Hours::parse(&HoursConfig { timezone: tz.into(), weekly: vec![w.into()] }).unwrap_err();
        assert_eq!(bad("Mars/Olympus", "mon 09:00-10:00"), HoursError::TimeZone("Mars/Olympus".into()));
        assert!(matches!(bad("UTC", "mon 18:00-09:00"), HoursError::Window(_)));
        assert!(matches!(bad("UTC", "funday 09:00-10:00"), HoursError::Window(_)));
        assert!(matches!(bad("UTC", "fri-mon 09:00-10:00"), HoursError::Window(_)));
    }
}
