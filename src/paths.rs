//! Paths shown to people with one separator style.
//!
//! A path built as `Path::new("target/tour").join("file-transfer")` displays
//! on Windows as `target/tour\file-transfer`: the `/` written in the source
//! stays, and `join` adds `\`. Both work, but a line that mixes them reads
//! like a mistake. [`shown`] prints every separator the platform's way, so
//! Windows shows `target\tour\file-transfer` and Linux `target/tour/file-transfer`.
//!
//! Only for display: the program keeps using the `Path` it has.

use std::path::{Path, MAIN_SEPARATOR};

/// `path` as text, with every separator written the platform's way.
///
/// On Unix the text is `path.display()` unchanged: there `\` is an ordinary
/// character of a file name, not a separator.
///
/// ```
/// use std::path::Path;
/// use socket_labs::paths::shown;
/// let path = Path::new("target/tour").join("file-transfer");
/// if cfg!(windows) {
///     assert_eq!(shown(&path), r"target\tour\file-transfer");
/// } else {
///     assert_eq!(shown(&path), "target/tour/file-transfer");
/// }
/// ```
pub fn shown(path: &Path) -> String {
    with_separator(&path.display().to_string(), MAIN_SEPARATOR)
}

/// `text` with `/` and `\` both written as `separator` when that is `\`
/// (Windows accepts either); unchanged when it is `/`. Pure, so tested everywhere.
fn with_separator(text: &str, separator: char) -> String {
    if separator == '\\' {
        text.replace('/', "\\")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_style_uses_backslashes_only() {
        assert_eq!(
            with_separator("target/tour\\file-transfer\\client_folder", '\\'),
            "target\\tour\\file-transfer\\client_folder"
        );
        assert_eq!(with_separator("C:\\Users\\lab/out", '\\'), "C:\\Users\\lab\\out");
    }

    #[test]
    fn unix_style_keeps_backslashes_in_names() {
        assert_eq!(with_separator("dir/odd\\name.txt", '/'), "dir/odd\\name.txt");
    }

    #[test]
    fn joined_paths_show_one_separator() {
        let path = Path::new("target/tour").join("file-transfer").join("a.txt");
        let text = shown(&path);
        let other = if MAIN_SEPARATOR == '/' { '\\' } else { '/' };
        assert!(!text.contains(other), "{text}");
        assert_eq!(text.matches(MAIN_SEPARATOR).count(), 3, "{text}");
    }
}
