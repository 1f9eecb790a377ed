//! Knowing when the tests run under Wine, to skip the few that cannot pass there.
//!
//! A Windows program cannot tell Wine from Windows with std alone (the usual
//! check reads the registry key `HKLM\Software\Wine` or looks for
//! `wine_get_version` in ntdll, neither of which std can do). So the check is
//! honest and simple: whoever runs the suite under Wine says so by setting
//! `SOCKET_LABS_WINE=1`, as `.ci/run` does. Everywhere else it is unset and no
//! test is skipped.

/// True when the environment says the tests run under Wine (`SOCKET_LABS_WINE=1`).
pub fn running_under_wine() -> bool {
    std::env::var_os("SOCKET_LABS_WINE").map_or(false, |v| v == "1")
}

/// Returns true, after printing why, when the calling test must be skipped
/// because it runs under Wine. Use it as the first line of the test:
/// `if skip_under_wine("...") { return; }`.
pub fn skip_under_wine(reason: &str) -> bool {
    let skip = cfg!(windows) && running_under_wine();
    if skip {
        eprintln!("skipped under Wine: {reason}");
    }
    skip
}

/// A client's time limit, stretched under Wine, where every socket call costs
/// more (the 60,000-round-trip transfer of `tests/file_transfer.rs` took 10-17 s
/// under Wine 8 on an idle machine and over 20 s on a busy one).
pub fn time_limit(normal: std::time::Duration) -> std::time::Duration {
    if running_under_wine() {
        normal * 6
    } else {
        normal
    }
}
