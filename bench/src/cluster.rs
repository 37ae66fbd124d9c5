//! W6: the cluster. Two Backchannel nodes share one PostgreSQL store (a
//! fresh schema per run) and one Redis (a fresh channel prefix); the
//! subscribers are split between the nodes, and the speaker posts its notes
//! on node A. Measured: the latency to subscribers on node A and, through
//! Redis, on node B (W2a's shape), deliveries per second over both nodes
//! (W2b's shape), and the stream checks (0 lost, 0 gaps, 0 duplicates).
//! Both nodes run on the server core; PostgreSQL and Redis are the
//! machine's, unpinned, and their CPU is not counted.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::measure::{Shape, measure_split};
use crate::results::Load;
use crate::run::{Ctx, Server, bc_setup, log, peer, publisher_for};
use crate::workers::{Workers, merge};

/// Ports of the two nodes.
const PORTS: [u16; 2] = [18090, 18091];

/// W6's figures.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct ClusterRun {
    /// Nodes in the cluster.
    pub nodes: usize,
    /// Subscribers ready on each node.
    pub ready: Vec<u64>,
    /// Subscribers that failed to connect or join.
    pub failed: u64,
    /// W2a's shape, subscribers on the publisher's node.
    pub same_node: Load,
    /// W2a's shape, subscribers on the other node (through Redis).
    pub cross_node: Load,
    /// W2b's shape, every subscriber.
    pub burst: Load,
    /// W2b's shape, the other node's subscribers.
    pub burst_cross: Load,
}

/// A fresh schema in the PostgreSQL database at `url`, dropped on drop.
struct Schema {
    url: String,
    name: String,
}

impl Schema {
    fn create(url: &str) -> io::Result<Schema> {
        let name = format!("bench_w6_{}", std::process::id());
        sql(
            url,
            &format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"),
        )?;
        Ok(Schema {
            url: url.to_string(),
            name,
        })
    }

    /// The nodes' `--database-url`.
    fn database_url(&self) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}options=-csearch_path%3D{}", self.url, self.name)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = sql(
            &self.url,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
    }
}

fn sql(url: &str, statements: &str) -> io::Result<()> {
    let mut client = postgres::Client::connect(url, postgres::NoTls)
        .map_err(|e| io::Error::other(format!("PostgreSQL at {url}: {e}")))?;
    client
        .batch_execute(statements)
        .map_err(|e| io::Error::other(format!("PostgreSQL: {e}")))
}

/// Start node `i` of the cluster.
fn start_node(ctx: &Ctx, i: usize, database_url: &str, prefix: &str) -> io::Result<Server> {
    let addr: SocketAddr = ([127, 0, 0, 1], PORTS[i]).into();
    let dir = ctx.args.work.join(format!("w6-node-{i}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut argv = ctx.backchannel_argv(addr, database_url.to_string(), None);
    argv.extend([
        "--redis-url".into(),
        ctx.args.w6_redis_url.clone(),
        "--redis-prefix".into(),
        prefix.to_string(),
        "--node-id".into(),
        format!("bench-node-{i}"),
    ]);
    ctx.launch(&format!("node {i}"), &argv, addr, &dir)
}

/// Run W6; the nodes are stopped and the schema dropped whatever happens.
pub fn bench_cluster(ctx: &mut Ctx) -> io::Result<ClusterRun> {
    let schema = Schema::create(&ctx.args.w6_database_url)?;
    let prefix = format!("bench-w6-{}", std::process::id());
    let database_url = schema.database_url();
    // Node 0 first: it runs the migrations.
    let first = start_node(ctx, 0, &database_url, &prefix)?;
    let second = match start_node(ctx, 1, &database_url, &prefix) {
        Ok(s) => s,
        Err(e) => {
            first.stop();
            return Err(e);
        }
    };
    let nodes = [first, second];
    let outcome = measure_cluster(ctx, &nodes);
    for node in nodes {
        node.stop();
    }
    drop(schema);
    outcome
}

fn measure_cluster(ctx: &mut Ctx, nodes: &[Server; 2]) -> io::Result<ClusterRun> {
    let p = peer("backchannel")?;
    let conns = ctx.args.conns;
    let dir = ctx.args.work.join("w6-node-0");
    log("W6: creating the event, the session and the attendees on node 0");
    let setup = bc_setup(nodes[0].addr, conns, &dir)?;
    let tokens = std::fs::read_to_string(&setup.tokens_file)?;
    let tokens: Vec<&str> = tokens.lines().collect();
    let half = tokens.len() / 2;
    let mut sets: Vec<(Workers, u64)> = Vec::new();
    let t0 = Instant::now();
    for (i, part) in [&tokens[..half], &tokens[half..]].into_iter().enumerate() {
        let file = ctx.args.work.join(format!("w6-tokens-{i}.txt"));
        std::fs::write(&file, part.join("\n") + "\n")?;
        let file = file.display().to_string();
        let workers = ctx.spawn_workers(&p, nodes[i].addr, Some(&file), part.len(), 0.0, false)?;
        sets.push((workers, 0));
    }
    let mut result = ClusterRun {
        nodes: nodes.len(),
        ..ClusterRun::default()
    };
    for (workers, ready) in sets.iter_mut() {
        let m = merge(&workers.collect(Duration::from_secs(300))?);
        *ready = m.sum("ready");
        result.ready.push(*ready);
        result.failed += m.sum("failed");
    }
    log(&format!(
        "W6: {:?} sockets ready on the two nodes, {} failed, in {:.1}s",
        result.ready,
        result.failed,
        t0.elapsed().as_secs_f64()
    ));
    let mut publisher = publisher_for(&p, nodes[0].addr, Some(&setup))?;
    std::thread::sleep(Duration::from_secs(2));
    let pids: Vec<u32> = nodes.iter().map(Server::pid).collect();
    let receivers: u64 = result.ready.iter().sum();
    let shape = |rate, count| Shape {
        rate,
        count,
        receivers,
        payload: ctx.args.payload,
    };
    let (w2a_shape, w2b_shape) = (
        shape(ctx.args.w2a_rate, ctx.args.w2a_count),
        shape(ctx.args.w2b_rate, ctx.args.w2b_count),
    );
    let mut borrowed: Vec<(&mut Workers, u64)> = sets.iter_mut().map(|(w, r)| (w, *r)).collect();
    log("W6: W2a's shape across the nodes");
    let (_, each) = measure_split(ctx, &mut borrowed, &mut publisher, &pids, w2a_shape)?;
    let [same, cross] = <[Load; 2]>::try_from(each).map_err(|_| io::Error::other("two sets"))?;
    log(&format!(
        "W6: p99 {:.1} ms on node 0, {:.1} ms across; lost {} + {}",
        same.p99_ms, cross.p99_ms, same.lost, cross.lost
    ));
    (result.same_node, result.cross_node) = (same, cross);
    log("W6: W2b's shape across the nodes");
    let (all, each) = measure_split(ctx, &mut borrowed, &mut publisher, &pids, w2b_shape)?;
    log(&format!(
        "W6: {:.0} deliveries/s over both nodes, p99 {:.1} ms, lost {}",
        all.deliveries_per_s, all.p99_ms, all.lost
    ));
    result.burst = all;
    result.burst_cross = each.into_iter().nth(1).unwrap_or_default();
    drop(borrowed);
    for (workers, _) in sets {
        workers.quit();
    }
    Ok(result)
}
