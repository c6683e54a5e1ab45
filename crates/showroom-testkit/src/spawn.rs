//! A `showroom` binary started on free loopback ports, for load generators and benchmarks
//! that measure the gateway as its own process.

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::Gateway;

/// The running process; killed on drop.
pub struct SpawnedGateway {
    pub gateway: Gateway,
    pub child: Child,
}

impl SpawnedGateway {
    /// Starts `bin serve` with `env` (plus a fixed token secret and warn-level logs) and waits
    /// for `/healthz`.
    pub async fn start(bin: &Path, env: &[(&str, &str)]) -> anyhow::Result<SpawnedGateway> {
        let http = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let udp = UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
        let http_addr: SocketAddr = ([127, 0, 0, 1], http).into();
        let child = Command::new(bin)
            .args(["serve", "--http", &http_addr.to_string(), "--udp", &format!("127.0.0.1:{udp}")])
            .env("SHOWROOM_TOKEN_SECRET", "bench-secret")
            .env("SHOWROOM_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let spawned = SpawnedGateway { gateway: Gateway::new(http_addr), child };
        let deadline = Instant::now() + Duration::from_secs(20);
        while spawned.gateway.get_text("/healthz").await.is_err() {
            if Instant::now() > deadline {
                bail!("gateway did not become healthy");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(spawned)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for SpawnedGateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
