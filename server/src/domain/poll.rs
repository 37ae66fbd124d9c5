//! Polls: single and multiple choice, rating scales, word clouds.
//!
//! A ballot is reduced to tally keys: option indexes for choice polls, the
//! rating for scales, and the normalised answer for word clouds (trimmed,
//! whitespace collapsed, lowercase), so "Rust" and " rust " count together.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::limits::{self, OPEN_ANSWER_MAX, POLL_OPTION_MAX, POLL_OPTIONS_MAX, POLL_QUESTION_MAX};
use crate::error::{AppError, AppResult};

/// What kind of answers a poll takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PollKind {
    /// Pick one option.
    SingleChoice,
    /// Pick one or more options.
    MultipleChoice,
    /// A number from 1 to `scale_max` (5 or 10).
    Rating,
    /// A short free answer; answers are counted case-insensitively.
    WordCloud,
}

impl PollKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            PollKind::SingleChoice => "single_choice",
            PollKind::MultipleChoice => "multiple_choice",
            PollKind::Rating => "rating",
            PollKind::WordCloud => "word_cloud",
        }
    }
    /// Parse the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "single_choice" => PollKind::SingleChoice,
            "multiple_choice" => PollKind::MultipleChoice,
            "rating" => PollKind::Rating,
            "word_cloud" => PollKind::WordCloud,
            _ => return None,
        })
    }
}

/// Where a poll is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PollState {
    /// Being prepared; staff only.
    Draft,
    /// Taking ballots.
    Open,
    /// No more ballots; results final.
    Closed,
}

impl PollState {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            PollState::Draft => "draft",
            PollState::Open => "open",
            PollState::Closed => "closed",
        }
    }
    /// Parse the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "draft" => PollState::Draft,
            "open" => PollState::Open,
            "closed" => PollState::Closed,
            _ => return None,
        })
    }
}

/// Current results of a poll.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Tally {
    /// Number of attendees who voted.
    pub ballots: i64,
    /// Count per key: option index ("0", "1", …), rating ("1"…"10") or normalised word.
    pub counts: BTreeMap<String, i64>,
}

/// A poll as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PollView {
    /// Identifier.
    pub id: String,
    /// The session.
    pub session_id: String,
    /// Kind.
    pub kind: PollKind,
    /// The question asked.
    pub question: String,
    /// Options of a choice poll (empty otherwise).
    pub options: Vec<String>,
    /// Top of the rating scale (5 or 10) for rating polls.
    pub scale_max: Option<i64>,
    /// Lifecycle state.
    pub state: PollState,
    /// Whether attendees see results (live, or after the speaker reveals them).
    pub results_visible: bool,
    /// Results, when the viewer may see them.
    pub results: Option<Tally>,
    /// Created at (RFC 3339).
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    /// Opened at (RFC 3339).
    #[serde(with = "super::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub opened_at: Option<i64>,
    /// Closed at (RFC 3339).
    #[serde(with = "super::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<i64>,
}

/// Create a poll (staff). It starts as a draft unless `open` is true.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPoll {
    /// Kind.
    pub kind: PollKind,
    /// The question (1–300 characters).
    pub question: String,
    /// Options for choice polls (2–20, each 1–200 characters).
    #[serde(default)]
    pub options: Vec<String>,
    /// Top of the scale for rating polls: 5 (default) or 10.
    #[serde(default)]
    pub scale_max: Option<i64>,
    /// Show results to attendees live while the poll is open (default false:
    /// hidden until revealed).
    #[serde(default)]
    pub results_live: bool,
    /// Open the poll immediately.
    #[serde(default)]
    pub open: bool,
}

/// Validated poll definition.
#[derive(Debug, Clone)]
pub struct PollFields {
    /// Kind.
    pub kind: PollKind,
    /// Question.
    pub question: String,
    /// Options.
    pub options: Vec<String>,
    /// Scale top.
    pub scale_max: Option<i64>,
}

impl NewPoll {
    /// Check the definition against the kind's rules.
    pub fn validate(&self) -> AppResult<PollFields> {
        let question = limits::required_text("question", &self.question, POLL_QUESTION_MAX)?;
        let (options, scale_max) = match self.kind {
            PollKind::SingleChoice | PollKind::MultipleChoice => {
                if self.options.len() < 2 || self.options.len() > POLL_OPTIONS_MAX {
                    return Err(AppError::invalid(format!(
                        "a choice poll needs 2 to {POLL_OPTIONS_MAX} options"
                    )));
                }
                let options = self
                    .options
                    .iter()
                    .map(|o| limits::single_line("options[]", o, POLL_OPTION_MAX))
                    .collect::<AppResult<Vec<_>>>()?;
                (options, None)
            }
            PollKind::Rating => {
                if !self.options.is_empty() {
                    return Err(AppError::invalid("a rating poll has no options"));
                }
                let max = self.scale_max.unwrap_or(5);
                if max != 5 && max != 10 {
                    return Err(AppError::invalid("scale_max must be 5 or 10"));
                }
                (Vec::new(), Some(max))
            }
            PollKind::WordCloud => {
                if !self.options.is_empty() {
                    return Err(AppError::invalid("a word-cloud poll has no options"));
                }
                (Vec::new(), None)
            }
        };
        if self.scale_max.is_some() && self.kind != PollKind::Rating {
            return Err(AppError::invalid("scale_max only applies to rating polls"));
        }
        Ok(PollFields {
            kind: self.kind,
            question,
            options,
            scale_max,
        })
    }
}

/// A ballot. Give the one field that matches the poll's kind.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// single_choice: the chosen option's index.
    #[serde(default)]
    pub option: Option<u32>,
    /// multiple_choice: the chosen options' indexes.
    #[serde(default)]
    pub options: Option<Vec<u32>>,
    /// rating: 1 to scale_max.
    #[serde(default)]
    pub rating: Option<u32>,
    /// word_cloud: a short answer (1–60 characters).
    #[serde(default)]
    pub text: Option<String>,
}

/// Normalise a word-cloud answer so case and spacing do not split counts.
pub fn normalize_answer(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Ballot {
    /// The tally keys this ballot adds to `poll`, or why it is not a valid ballot.
    pub fn tally_keys(
        &self,
        kind: PollKind,
        options: usize,
        scale_max: Option<i64>,
    ) -> AppResult<Vec<String>> {
        let given = [
            self.option.is_some(),
            self.options.is_some(),
            self.rating.is_some(),
            self.text.is_some(),
        ]
        .iter()
        .filter(|g| **g)
        .count();
        if given != 1 {
            return Err(AppError::invalid(
                "give exactly one of option, options, rating or text",
            ));
        }
        let check_option = |i: u32| -> AppResult<String> {
            if (i as usize) < options {
                Ok(i.to_string())
            } else {
                Err(AppError::invalid(format!("option {i} does not exist")))
            }
        };
        match (kind, self) {
            (
                PollKind::SingleChoice,
                Ballot {
                    option: Some(i), ..
                },
            ) => Ok(vec![check_option(*i)?]),
            (
                PollKind::MultipleChoice,
                Ballot {
                    options: Some(list),
                    ..
                },
            ) => {
                if list.is_empty() {
                    return Err(AppError::invalid("choose at least one option"));
                }
                let mut keys = list
                    .iter()
                    .map(|i| check_option(*i))
                    .collect::<AppResult<Vec<_>>>()?;
                keys.sort();
                keys.dedup();
                Ok(keys)
            }
            (
                PollKind::Rating,
                Ballot {
                    rating: Some(r), ..
                },
            ) => {
                let max = scale_max.unwrap_or(5);
                if *r < 1 || i64::from(*r) > max {
                    return Err(AppError::invalid(format!(
                        "rating must be between 1 and {max}"
                    )));
                }
                Ok(vec![r.to_string()])
            }
            (PollKind::WordCloud, Ballot { text: Some(t), .. }) => {
                let t = limits::single_line("text", t, OPEN_ANSWER_MAX)?;
                Ok(vec![normalize_answer(&t)])
            }
            (kind, _) => Err(AppError::invalid(format!(
                "this is a {} poll: {}",
                kind.as_str(),
                match kind {
                    PollKind::SingleChoice => "give `option`",
                    PollKind::MultipleChoice => "give `options`",
                    PollKind::Rating => "give `rating`",
                    PollKind::WordCloud => "give `text`",
                }
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballots_reduce_to_keys() {
        let b = Ballot {
            options: Some(vec![2, 0, 2]),
            ..Default::default()
        };
        assert_eq!(
            b.tally_keys(PollKind::MultipleChoice, 3, None).unwrap(),
            vec!["0", "2"]
        );
        let b = Ballot {
            option: Some(3),
            ..Default::default()
        };
        assert!(b.tally_keys(PollKind::SingleChoice, 3, None).is_err());
        let b = Ballot {
            rating: Some(10),
            ..Default::default()
        };
        assert!(b.tally_keys(PollKind::Rating, 0, Some(5)).is_err());
        assert!(b.tally_keys(PollKind::Rating, 0, Some(10)).is_ok());
        let b = Ballot {
            text: Some("  Rust   Lang ".into()),
            ..Default::default()
        };
        assert_eq!(
            b.tally_keys(PollKind::WordCloud, 0, None).unwrap(),
            vec!["rust lang"]
        );
        let b = Ballot {
            option: Some(0),
            ..Default::default()
        };
        assert!(b.tally_keys(PollKind::WordCloud, 0, None).is_err());
    }

    #[test]
    fn poll_definitions_are_checked() {
        let p = NewPoll {
            kind: PollKind::SingleChoice,
            question: "Q?".into(),
            options: vec!["a".into()],
            scale_max: None,
            results_live: false,
            open: false,
        };
        assert!(p.validate().is_err());
        let p = NewPoll {
            kind: PollKind::Rating,
            options: vec![],
            scale_max: Some(7),
            ..p
        };
        assert!(p.validate().is_err());
    }
}
