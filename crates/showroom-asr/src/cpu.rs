//! CPU clocks (Linux/Unix `clock_gettime`): the calling thread's and the whole process's.

/// Which CPU clock to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CpuClock {
    /// CPU time of the calling thread only.
    Thread,
    /// CPU time of all threads of the process.
    Process,
}

impl CpuClock {
    /// Seconds of CPU time on this clock so far.
    pub(crate) fn now(self) -> f64 {
        let id = match self {
            Self::Thread => libc::CLOCK_THREAD_CPUTIME_ID,
            Self::Process => libc::CLOCK_PROCESS_CPUTIME_ID,
        };
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; the clock ids are supported on Linux.
        let rc = unsafe { libc::clock_gettime(id, &mut ts) };
        if rc != 0 {
            return 0.0;
        }
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    }
}
