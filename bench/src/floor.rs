//! The raw-TCP floor: the same bytes written to N plain sockets, one `write`
//! per socket per message, no handshake, no protocol. What the kernel costs.
//!
//! A socket that sends `S` first is a subscriber; one that sends `P` is a
//! publisher whose messages are `u16` big-endian length + payload. Each
//! message is framed once as an unmasked websocket text frame (so the load
//! client parses it like every other server's) and written to every
//! subscriber; what a full socket does not take waits in its own buffer.

use std::io::{self, Read, Write};
use std::net::SocketAddr;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

const LISTENER: Token = Token(usize::MAX - 1);

#[derive(PartialEq, Eq)]
enum Role {
    Unknown,
    Subscriber,
    Publisher,
}

struct Peer {
    sock: TcpStream,
    role: Role,
    pending: Vec<u8>,
    input: Vec<u8>,
}

/// Serve forever on `addr`.
pub fn run(addr: SocketAddr) -> io::Result<()> {
    crate::client::raise_nofile();
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind(addr)?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut peers: Vec<Option<Peer>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut subscribers: Vec<usize> = Vec::new();
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 64 * 1024];
    eprintln!("floor listening on {addr}");
    loop {
        poll.poll(&mut events, None)?;
        for ev in events.iter() {
            if ev.token() == LISTENER {
                while let Ok((mut sock, _)) = listener.accept() {
                    let _ = sock.set_nodelay(true);
                    let idx = free.pop().unwrap_or_else(|| {
                        peers.push(None);
                        peers.len() - 1
                    });
                    // Writability is only asked for while a socket has bytes
                    // waiting (one wakeup per delivery otherwise).
                    poll.registry()
                        .register(&mut sock, Token(idx), Interest::READABLE)?;
                    peers[idx] = Some(Peer {
                        sock,
                        role: Role::Unknown,
                        pending: Vec::new(),
                        input: Vec::new(),
                    });
                }
                continue;
            }
            let idx = ev.token().0;
            let mut gone = false;
            let mut messages: Vec<Vec<u8>> = Vec::new();
            if let Some(peer) = peers.get_mut(idx).and_then(Option::as_mut) {
                if ev.is_writable() {
                    gone |= flush(peer);
                    if !gone && peer.pending.is_empty() {
                        poll.registry().reregister(
                            &mut peer.sock,
                            Token(idx),
                            Interest::READABLE,
                        )?;
                    }
                }
                if ev.is_readable() {
                    loop {
                        match peer.sock.read(&mut buf) {
                            Ok(0) => {
                                gone = true;
                                break;
                            }
                            Ok(n) => {
                                let mut data = &buf[..n];
                                if peer.role == Role::Unknown {
                                    peer.role = match data[0] {
                                        b'P' => Role::Publisher,
                                        _ => {
                                            subscribers.push(idx);
                                            Role::Subscriber
                                        }
                                    };
                                    data = &data[1..];
                                }
                                if peer.role == Role::Publisher {
                                    peer.input.extend_from_slice(data);
                                    while peer.input.len() >= 2 {
                                        let len = usize::from(u16::from_be_bytes([
                                            peer.input[0],
                                            peer.input[1],
                                        ]));
                                        if peer.input.len() < 2 + len {
                                            break;
                                        }
                                        messages
                                            .push(crate::ws::server_text(&peer.input[2..2 + len]));
                                        peer.input.drain(..2 + len);
                                    }
                                }
                            }
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                            Err(_) => {
                                gone = true;
                                break;
                            }
                        }
                    }
                }
            }
            for frame in &messages {
                for &s in &subscribers {
                    if let Some(sub) = peers[s].as_mut() {
                        if sub.pending.is_empty() {
                            let rest = match sub.sock.write(frame) {
                                Ok(n) => &frame[n..],
                                Err(e) if e.kind() == io::ErrorKind::WouldBlock => &frame[..],
                                Err(_) => &[][..],
                            };
                            if !rest.is_empty() {
                                sub.pending.extend_from_slice(rest);
                                poll.registry().reregister(
                                    &mut sub.sock,
                                    Token(s),
                                    Interest::READABLE | Interest::WRITABLE,
                                )?;
                            }
                        } else {
                            sub.pending.extend_from_slice(frame);
                        }
                    }
                }
            }
            if gone && let Some(mut peer) = peers[idx].take() {
                let _ = poll.registry().deregister(&mut peer.sock);
                subscribers.retain(|&s| s != idx);
                free.push(idx);
            }
        }
    }
}

/// Write what is pending; true if the socket failed.
fn flush(peer: &mut Peer) -> bool {
    while !peer.pending.is_empty() {
        match peer.sock.write(&peer.pending) {
            Ok(0) => return true,
            Ok(n) => {
                peer.pending.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return true,
        }
    }
    false
}
