//! Final transcript segments.

use sqlx::FromRow;

use super::{Store, missing_call, with_pool};
use crate::{
    CallId, ParticipantId, Segment, SegmentId, SegmentStatus, StoreError, StoredSegment,
    UtteranceKey,
};

const SEGMENT_COLUMNS: &str = "id, call_id, utterance_key, participant_id, role, start_s, end_s, text, \
     language, confidence, status, reason, redacted";

#[derive(FromRow)]
struct SegmentRow {
    id: i64,
    call_id: String,
    utterance_key: String,
    participant_id: String,
    role: String,
    start_s: f64,
    end_s: f64,
    text: String,
    language: Option<String>,
    confidence: Option<f32>,
    status: String,
    reason: Option<String>,
    redacted: bool,
}

impl TryFrom<SegmentRow> for StoredSegment {
    type Error = StoreError;
    fn try_from(r: SegmentRow) -> Result<StoredSegment, StoreError> {
        let status = match (r.status.as_str(), r.reason) {
            ("final", None) => SegmentStatus::Final,
            ("not_transcribed", Some(reason)) => SegmentStatus::NotTranscribed { reason },
            (other, _) => {
                return Err(StoreError::Corrupt {
                    column: "transcript_segments.status",
                    value: other.into(),
                });
            }
        };
        Ok(StoredSegment {
            id: SegmentId(r.id),
            segment: Segment {
                call: CallId(r.call_id),
                key: UtteranceKey(r.utterance_key),
                participant: ParticipantId(r.participant_id),
                role: r.role.parse()?,
                start_s: r.start_s,
                end_s: r.end_s,
                text: r.text,
                language: r.language,
                confidence: r.confidence,
                status,
                redacted: r.redacted,
            },
        })
    }
}

fn validate(s: &Segment) -> Result<(), StoreError> {
    if !(s.start_s.is_finite() && s.end_s.is_finite() && s.start_s <= s.end_s) {
        return Err(StoreError::Invalid(format!(
            "segment {}: times {}..{}",
            s.key, s.start_s, s.end_s
        )));
    }
    if let SegmentStatus::NotTranscribed { reason } = &s.status
        && reason.trim().is_empty()
    {
        return Err(StoreError::Invalid(format!(
            "segment {}: not transcribed without a reason",
            s.key
        )));
    }
    Ok(())
}

const INSERT_SEGMENT: &str = "INSERT INTO transcript_segments (call_id, utterance_key, participant_id, role, start_s, \
     end_s, text, language, confidence, status, reason, redacted) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT (call_id, utterance_key) DO NOTHING";

fn status_columns(s: &Segment) -> (&'static str, Option<&str>) {
    match &s.status {
        SegmentStatus::Final => ("final", None),
        SegmentStatus::NotTranscribed { reason } => ("not_transcribed", Some(reason.as_str())),
    }
}

impl Store {
    /// Stores a segment once per (call, key): returns true when stored now, false when the key
    /// was already there (the earlier write stands).
    pub async fn append_segment(&self, s: &Segment) -> Result<bool, StoreError> {
        Ok(self.append_segments(std::slice::from_ref(s)).await? == 1)
    }

    /// Stores many segments in one transaction (an import, a replay): returns how many were
    /// new. Same idempotency as [`Store::append_segment`].
    pub async fn append_segments(&self, segments: &[Segment]) -> Result<usize, StoreError> {
        segments.iter().try_for_each(validate)?;
        let mut stored = 0;
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            for s in segments {
                let (status, reason) = status_columns(s);
                stored += sqlx::query(INSERT_SEGMENT)
                    .bind(&s.call.0)
                    .bind(&s.key.0)
                    .bind(&s.participant.0)
                    .bind(s.role.as_str())
                    .bind(s.start_s)
                    .bind(s.end_s)
                    .bind(&s.text)
                    .bind(&s.language)
                    .bind(s.confidence)
                    .bind(status)
                    .bind(reason)
                    .bind(s.redacted)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| missing_call(e, &s.call))?
                    .rows_affected() as usize;
            }
            tx.commit().await?;
        });
        Ok(stored)
    }

    /// A call's segments by start time (ties in insertion order).
    pub async fn list_segments(&self, call: &CallId) -> Result<Vec<StoredSegment>, StoreError> {
        let sql = format!("SELECT {SEGMENT_COLUMNS} FROM transcript_segments WHERE call_id = $1 ORDER BY start_s, id");
        let rows: Vec<SegmentRow> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(&call.0).fetch_all(p).await?);
        rows.into_iter().map(StoredSegment::try_from).collect()
    }
}
