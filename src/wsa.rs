//! Windows Sockets error codes, by name, for error lines a student can read.
//!
//! On Windows a failed socket call leaves a *WSA* code (`WSAGetLastError`), a
//! number from 10000 up: 10061 is `WSAECONNREFUSED`, the Windows twin of
//! Linux's `ECONNREFUSED`. std turns the number into text with the system's
//! `FormatMessageW`, and where the system has no text for it (Wine, a trimmed
//! lab image) the line reads `OS Error 10060 (FormatMessageW() returned error
//! 317)`. [`crate::error::describe`] asks this module first, so on Windows such
//! a line says `connection timed out (WSAETIMEDOUT, 10060)` instead.
//!
//! The table holds the codes the labs can meet: connecting, binding, sending
//! and receiving, name resolution, and the three a socket reports when it is
//! closed under a blocked call. Names and numbers are Microsoft's, from the
//! page "Windows Sockets Error Codes"
//! (<https://learn.microsoft.com/en-us/windows/win32/winsock/windows-sockets-error-codes-2>);
//! the meanings are our own short words.
//!
//! | code | name | meaning here |
//! |---|---|---|
//! | 995 | `WSA_OPERATION_ABORTED` | the blocked call was cancelled (its socket was closed) |
//! | 10004 | `WSAEINTR` | the blocked call was interrupted (its socket was closed) |
//! | 10013 | `WSAEACCES` | permission denied |
//! | 10022 | `WSAEINVAL` | invalid argument |
//! | 10035 | `WSAEWOULDBLOCK` | the call would block |
//! | 10038 | `WSAENOTSOCK` | not a socket (it was closed) |
//! | 10040 | `WSAEMSGSIZE` | the datagram was larger than the buffer |
//! | 10048 | `WSAEADDRINUSE` | address already in use |
//! | 10049 | `WSAEADDRNOTAVAIL` | address not available on this machine |
//! | 10050 | `WSAENETDOWN` | the network is down |
//! | 10051 | `WSAENETUNREACH` | network unreachable |
//! | 10052 | `WSAENETRESET` | the network dropped the connection |
//! | 10053 | `WSAECONNABORTED` | connection aborted by this machine |
//! | 10054 | `WSAECONNRESET` | connection reset by peer |
//! | 10055 | `WSAENOBUFS` | no buffer space available |
//! | 10057 | `WSAENOTCONN` | the socket is not connected |
//! | 10058 | `WSAESHUTDOWN` | that direction was already shut down |
//! | 10060 | `WSAETIMEDOUT` | connection timed out |
//! | 10061 | `WSAECONNREFUSED` | connection refused |
//! | 10064 | `WSAEHOSTDOWN` | the host is down |
//! | 10065 | `WSAEHOSTUNREACH` | no route to host |
//! | 10093 | `WSANOTINITIALISED` | Windows Sockets is not started (or already cleaned up) |
//! | 11001 | `WSAHOST_NOT_FOUND` | host not found |
//! | 11002 | `WSATRY_AGAIN` | name server did not answer, try again |
//! | 11003 | `WSANO_RECOVERY` | name server failed for good |
//! | 11004 | `WSANO_DATA` | the name has no address of the requested kind |
//!
//! On a UDP socket `WSAECONNRESET` has a second meaning: an earlier datagram
//! came back as an ICMP port-unreachable (see the recvfrom page,
//! <https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-recvfrom>).
//!
//! The table is a pure function of the number, so it is tested on every
//! platform; only [`describe`] and [`socket_closed`] look at the platform.

use std::io;

/// One Windows Sockets error code: its number, Microsoft's name, and what it
/// means in a few lower-case words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WsaCode {
    /// The number `WSAGetLastError` returns (`io::Error::raw_os_error`).
    pub code: i32,
    /// Microsoft's name for it, `WSAETIMEDOUT`.
    pub name: &'static str,
    /// Short words for an error line, `connection timed out`.
    pub meaning: &'static str,
}

const TABLE: &[(i32, &str, &str)] = &[
    (995, "WSA_OPERATION_ABORTED", "the blocked call was cancelled (its socket was closed)"),
    (10004, "WSAEINTR", "the blocked call was interrupted (its socket was closed)"),
    (10013, "WSAEACCES", "permission denied"),
    (10022, "WSAEINVAL", "invalid argument"),
    (10035, "WSAEWOULDBLOCK", "the call would block"),
    (10038, "WSAENOTSOCK", "not a socket (it was closed)"),
    (10040, "WSAEMSGSIZE", "the datagram was larger than the buffer"),
    (10048, "WSAEADDRINUSE", "address already in use"),
    (10049, "WSAEADDRNOTAVAIL", "address not available on this machine"),
    (10050, "WSAENETDOWN", "the network is down"),
    (10051, "WSAENETUNREACH", "network unreachable"),
    (10052, "WSAENETRESET", "the network dropped the connection"),
    (10053, "WSAECONNABORTED", "connection aborted by this machine"),
    (10054, "WSAECONNRESET", "connection reset by peer"),
    (10055, "WSAENOBUFS", "no buffer space available"),
    (10057, "WSAENOTCONN", "the socket is not connected"),
    (10058, "WSAESHUTDOWN", "that direction was already shut down"),
    (10060, "WSAETIMEDOUT", "connection timed out"),
    (10061, "WSAECONNREFUSED", "connection refused"),
    (10064, "WSAEHOSTDOWN", "the host is down"),
    (10065, "WSAEHOSTUNREACH", "no route to host"),
    (10093, "WSANOTINITIALISED", "Windows Sockets is not started (or already cleaned up)"),
    (11001, "WSAHOST_NOT_FOUND", "host not found"),
    (11002, "WSATRY_AGAIN", "name server did not answer, try again"),
    (11003, "WSANO_RECOVERY", "name server failed for good"),
    (11004, "WSANO_DATA", "the name has no address of the requested kind"),
];

/// Looks a Windows Sockets error number up; `None` when it is not in the table.
///
/// ```
/// use socket_labs::wsa::lookup;
/// let code = lookup(10060).unwrap();
/// assert_eq!((code.name, code.meaning), ("WSAETIMEDOUT", "connection timed out"));
/// assert!(lookup(111).is_none()); // a Linux errno is not a WSA code
/// ```
pub fn lookup(code: i32) -> Option<WsaCode> {
    TABLE.iter().find(|(number, _, _)| *number == code).map(|&(code, name, meaning)| WsaCode {
        code,
        name,
        meaning,
    })
}

/// The words for a Windows error number: `connection timed out (WSAETIMEDOUT, 10060)`.
///
/// For a number not in the table, `os_text` (what the system said) is kept,
/// unless it is the system saying it has no text (`FormatMessageW() returned
/// error ...`): then the line just names the number. Pure, so it is tested on
/// every platform.
pub fn words_for(code: i32, os_text: &str) -> String {
    match lookup(code) {
        Some(known) => format!("{} ({}, {})", known.meaning, known.name, known.code),
        None if os_text.contains("FormatMessageW()") || os_text.is_empty() => {
            format!("Windows error {code} (the system has no text for it)")
        }
        None => os_text.to_string(),
    }
}

/// On Windows, the words for an I/O error that carries an OS code; `None`
/// elsewhere and for errors made by the program (no OS code), so the caller
/// keeps its own words.
pub fn describe(err: &io::Error) -> Option<String> {
    if !cfg!(windows) {
        return None;
    }
    let code = err.raw_os_error()?;
    let text = err.to_string();
    // std appends " (os error N)"; the words below name the code already.
    let text = text.split(" (os error").next().unwrap_or("");
    Some(words_for(code, text))
}

/// The `os error` column of the no-server table: Microsoft's name and the
/// number on Windows (`WSAECONNREFUSED (os error 10061)`), the system's own
/// text elsewhere.
pub fn os_text(err: &io::Error) -> String {
    match err.raw_os_error().and_then(lookup) {
        Some(known) if cfg!(windows) => format!("{} (os error {})", known.name, known.code),
        _ => err.to_string(),
    }
}

/// True for the codes a blocked call returns when its socket is closed under it.
///
/// When `main` returns, std's runtime clean-up calls `WSACleanup`, which closes
/// every socket of the process while server threads may still be blocked in
/// `accept` or `recv_from` on them. Those calls then fail with one of these
/// codes and every later call with `WSAENOTSOCK`; none of them is a client's
/// doing, so a server loop that sees one should stop quietly. Measured under
/// Wine 8: `recv_from` gets 10022, `accept` gets 995, later calls 10038.
/// On a bound socket the labs use, `WSAEINVAL` has no other cause.
pub fn is_closed_socket_code(code: i32) -> bool {
    matches!(code, 995 | 10004 | 10022 | 10038 | 10093)
}

/// True when `err` means "this socket was closed under the call" (Windows
/// only: on Unix a socket a thread still owns cannot be closed under it).
pub fn socket_closed(err: &io::Error) -> bool {
    cfg!(windows) && err.raw_os_error().map_or(false, is_closed_socket_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_the_codes_the_labs_meet() {
        for (code, name) in [
            (10054, "WSAECONNRESET"),
            (10060, "WSAETIMEDOUT"),
            (10061, "WSAECONNREFUSED"),
            (10048, "WSAEADDRINUSE"),
            (10038, "WSAENOTSOCK"),
            (10022, "WSAEINVAL"),
            (10013, "WSAEACCES"),
            (10035, "WSAEWOULDBLOCK"),
            (10040, "WSAEMSGSIZE"),
            (10065, "WSAEHOSTUNREACH"),
            (10051, "WSAENETUNREACH"),
            (10049, "WSAEADDRNOTAVAIL"),
            (10053, "WSAECONNABORTED"),
            (11001, "WSAHOST_NOT_FOUND"),
            (11002, "WSATRY_AGAIN"),
            (11004, "WSANO_DATA"),
        ] {
            let found = lookup(code).unwrap_or_else(|| panic!("{code} missing"));
            assert_eq!(found.name, name);
            assert_eq!(found.code, code);
            assert!(!found.meaning.is_empty());
        }
        assert_eq!(lookup(0), None);
        assert_eq!(lookup(111), None);
    }

    #[test]
    fn numbers_and_names_are_unique_and_sorted() {
        for pair in TABLE.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{:?} before {:?}", pair[0], pair[1]);
        }
        let mut names: Vec<&str> = TABLE.iter().map(|t| t.1).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLE.len());
        // Meanings are lower-case words, like the rest of an error line.
        for (_, name, meaning) in TABLE {
            assert!(name.starts_with("WSA"), "{name}");
            let first = meaning.chars().next().unwrap();
            assert!(!first.is_ascii_uppercase() || meaning.starts_with("Windows"));
        }
    }

    #[test]
    fn words_never_pass_on_a_missing_system_text() {
        assert_eq!(
            words_for(10060, "OS Error 10060 (FormatMessageW() returned error 317)"),
            "connection timed out (WSAETIMEDOUT, 10060)"
        );
        let unknown = words_for(10109, "OS Error 10109 (FormatMessageW() returned error 317)");
        assert!(!unknown.contains("FormatMessageW"), "{unknown}");
        assert!(unknown.contains("10109"), "{unknown}");
        assert_eq!(words_for(5, "Access is denied."), "Access is denied.");
    }

    #[test]
    fn closed_socket_codes_are_not_client_errors() {
        for code in [995, 10004, 10022, 10038, 10093] {
            assert!(is_closed_socket_code(code), "{code}");
        }
        for code in [10054, 10060, 10061, 10035, 10040] {
            assert!(!is_closed_socket_code(code), "{code}");
        }
    }

    #[test]
    fn errors_without_an_os_code_keep_their_words() {
        let made = io::Error::new(io::ErrorKind::Other, "made by the program");
        assert_eq!(describe(&made), None);
        assert!(!socket_closed(&made));
        assert_eq!(os_text(&made), "made by the program");
    }

    #[cfg(windows)]
    #[test]
    fn on_windows_os_errors_are_named() {
        let err = io::Error::from_raw_os_error(10060);
        assert_eq!(describe(&err).unwrap(), "connection timed out (WSAETIMEDOUT, 10060)");
        assert_eq!(os_text(&err), "WSAETIMEDOUT (os error 10060)");
        assert!(socket_closed(&io::Error::from_raw_os_error(10038)));
    }

    #[cfg(unix)]
    #[test]
    fn elsewhere_nothing_changes() {
        let err = io::Error::from_raw_os_error(10060);
        assert_eq!(describe(&err), None);
        assert!(!socket_closed(&io::Error::from_raw_os_error(10038)));
        assert_eq!(os_text(&err), err.to_string());
    }
}
