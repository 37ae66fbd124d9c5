//! Per-attendee rate limits on asking, voting and reacting.
//!
//! In memory, per node (a determined abuser spread over nodes gets at most
//! N× the quota, which is still bounded). Keys are attendee ids.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::Command;
use crate::error::{AppError, AppResult};

/// The limiters, one per kind of action.
pub struct RateLimits {
    asks: DefaultKeyedRateLimiter<String>,
    votes: DefaultKeyedRateLimiter<String>,
    reactions: DefaultKeyedRateLimiter<String>,
}

fn quota(per: Duration, burst: u32) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(per)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            // 5 questions at once, then one every 10 s.
            asks: RateLimiter::keyed(quota(Duration::from_secs(10), 5)),
            // 30 votes/upvotes at once, then 10 per second.
            votes: RateLimiter::keyed(quota(Duration::from_millis(100), 30)),
            // 20 reactions at once, then 5 per second.
            reactions: RateLimiter::keyed(quota(Duration::from_millis(200), 20)),
        }
    }
}

impl RateLimits {
    /// Check (and count) `command` for `attendee_id`.
    pub fn check(&self, attendee_id: &str, command: &Command) -> AppResult<()> {
        let (limiter, what) = match command {
            Command::QuestionAsk { .. } | Command::QuestionEdit { .. } => (&self.asks, "questions"),
            Command::FlagRaise(_) => (&self.asks, "flags"),
            Command::QuestionUpvote { .. } | Command::PollVote { .. } => (&self.votes, "votes"),
            Command::ReactionSend { .. } => (&self.reactions, "reactions"),
            _ => return Ok(()),
        };
        let key = attendee_id.to_string();
        limiter.check_key(&key).map_err(|_| {
            AppError::rate_limited(format!(
                "too many {what}; slow down and retry in a few seconds"
            ))
        })
    }

    /// Drop state of keys that are back at full quota (bounded memory).
    pub fn prune(&self) {
        self.asks.retain_recent();
        self.votes.retain_recent();
        self.reactions.retain_recent();
    }
}
