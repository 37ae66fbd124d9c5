//! One clock for the whole box, and the stamp every measured message carries.
//!
//! The publisher puts `@@<seq>:<send time µs>@@` at the start of each message
//! body (padded to the payload size); the load client finds it in whatever
//! envelope the server wraps around the body (a Backchannel `event` frame, a
//! Socket.IO packet, a Pusher event or the bare body).

/// CLOCK_MONOTONIC in microseconds: the same clock in every process here.
pub fn now_us() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000
}

/// The body of message `seq` sent at `t_us`, padded with `x` to `size` bytes.
pub fn body(seq: u64, t_us: u64, size: usize) -> String {
    let mut s = format!("@@{seq}:{t_us}@@");
    while s.len() < size {
        s.push('x');
    }
    s
}

/// The stamp in `payload`, if there is one: (seq, send time µs).
pub fn find(payload: &[u8]) -> Option<(u64, u64)> {
    let at = memchr::memmem::find(payload, b"@@")? + 2;
    let (seq, n) = crate::ws::parse_u64(&payload[at..])?;
    let rest = &payload[at + n..];
    if rest.first() != Some(&b':') {
        return None;
    }
    let (t, _) = crate::ws::parse_u64(&rest[1..])?;
    Some((seq, t))
}

#[cfg(test)]
mod tests {
    #[test]
    fn stamp_round_trip() {
        let b = super::body(42, 123_456, 100);
        assert_eq!(b.len(), 100);
        let wrapped = format!(r#"{{"type":"event","seq":7,"data":{{"body":"{b}"}}}}"#);
        assert_eq!(super::find(wrapped.as_bytes()), Some((42, 123_456)));
        assert_eq!(super::find(b"no stamp"), None);
    }
}
