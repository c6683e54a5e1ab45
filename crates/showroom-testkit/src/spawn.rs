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
    data_dir: std::path::PathBuf,
}

impl SpawnedGateway {
    /// Starts `bin serve` with `env` (plus a fixed token secret, warn-level logs and a scratch
    /// data directory, removed on drop) and waits for `/healthz`.
    pub async fn start(bin: &Path, env: &[(&str, &str)]) -> anyhow::Result<SpawnedGateway> {
        let http = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let udp = UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
        let http_addr: SocketAddr = ([127, 0, 0, 1], http).into();
        // Its store and recordings go to a scratch directory, not the caller's working directory.
        let data_dir = std::env::temp_dir().join(format!("showroom-spawned-{http}"));
        let child = Command::new(bin)
            .args(["serve", "--http", &http_addr.to_string(), "--udp", &format!("127.0.0.1:{udp}")])
            .env("SHOWROOM_TOKEN_SECRET", "bench-secret")
            .env("SHOWROOM_LOG", "warn")
            .env("SHOWROOM_DATA_DIR", &data_dir)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let spawned = SpawnedGateway { gateway: Gateway::new(http_addr), child, data_dir };
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
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
