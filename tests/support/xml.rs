//! A small structural XML checker, for tests only: the charts the crate
//! writes must be files a viewer will accept.

/// Checks that `text` is a well-formed XML document, the way a viewer will
/// read it: an optional `<?xml ...?>` declaration, comments, and exactly one
/// root element whose tags nest and close properly, whose attributes are
/// quoted and not repeated, and whose text uses only the five predefined
/// entities and numeric character references.
///
/// It is not a validating parser (no DTD, no namespaces); it catches the
/// mistakes a hand-written SVG writer can make.
///
/// ```text
/// use support::xml::well_formed;
/// assert!(well_formed("<svg><g a=\"1\"/>x &amp; y</svg>").is_ok());
/// assert!(well_formed("<svg><g></svg>").is_err());
/// assert!(well_formed("<svg>a & b</svg>").is_err());
/// ```
///
/// # Errors
///
/// A message saying what is wrong and at which byte offset.
pub fn well_formed(text: &str) -> std::result::Result<(), String> {
    Checker { s: text.as_bytes(), i: 0 }.document()
}

struct Checker<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Checker<'a> {
    fn fail<T>(&self, what: &str) -> std::result::Result<T, String> {
        Err(format!("{what} at byte {}", self.i))
    }

    fn starts(&self, prefix: &str) -> bool {
        self.s[self.i..].starts_with(prefix.as_bytes())
    }

    fn skip_space(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    /// Skips past `end`, failing if it never comes.
    fn skip_past(&mut self, end: &str) -> std::result::Result<(), String> {
        match find(&self.s[self.i..], end.as_bytes()) {
            Some(at) => {
                self.i += at + end.len();
                Ok(())
            }
            None => self.fail(&format!("missing '{end}'")),
        }
    }

    /// Whitespace, comments and processing instructions outside the root.
    fn misc(&mut self) -> std::result::Result<(), String> {
        loop {
            self.skip_space();
            if self.starts("<!--") {
                self.skip_past("-->")?;
            } else if self.starts("<?") {
                self.skip_past("?>")?;
            } else {
                return Ok(());
            }
        }
    }

    fn document(mut self) -> std::result::Result<(), String> {
        self.misc()?;
        if !self.starts("<") || self.starts("</") {
            return self.fail("expected the root element");
        }
        self.element()?;
        self.misc()?;
        if self.i != self.s.len() {
            return self.fail("content after the root element");
        }
        Ok(())
    }

    fn name(&mut self) -> std::result::Result<&'a str, String> {
        let start = self.i;
        while self.i < self.s.len() {
            let c = self.s[self.i];
            let ok = c.is_ascii_alphabetic()
                || c == b'_'
                || c == b':'
                || c >= 0x80
                || (self.i > start && (c.is_ascii_digit() || c == b'-' || c == b'.'));
            if !ok {
                break;
            }
            self.i += 1;
        }
        if self.i == start {
            return self.fail("expected a name");
        }
        std::str::from_utf8(&self.s[start..self.i]).or_else(|_| self.fail("name is not UTF-8"))
    }

    /// One element and everything inside it, iteratively (no recursion limit).
    fn element(&mut self) -> std::result::Result<(), String> {
        let mut open: Vec<&'a str> = Vec::new();
        loop {
            if self.i >= self.s.len() {
                return self.fail(&format!("'{}' is never closed", open.last().unwrap_or(&"")));
            }
            if self.starts("<!--") {
                self.skip_past("-->")?;
            } else if self.starts("<![CDATA[") {
                self.skip_past("]]>")?;
            } else if self.starts("<?") {
                self.skip_past("?>")?;
            } else if self.starts("</") {
                self.i += 2;
                let name = self.name()?;
                self.skip_space();
                if !self.starts(">") {
                    return self.fail("expected '>'");
                }
                self.i += 1;
                match open.pop() {
                    Some(top) if top == name => {}
                    Some(top) => return self.fail(&format!("'</{name}>' closes '<{top}>'")),
                    None => return self.fail(&format!("'</{name}>' closes nothing")),
                }
                if open.is_empty() {
                    return Ok(());
                }
            } else if self.starts("<") {
                self.i += 1;
                let name = self.name()?;
                let self_closing = self.attributes()?;
                if !self_closing {
                    open.push(name);
                } else if open.is_empty() {
                    return Ok(());
                }
            } else if open.is_empty() {
                return self.fail("expected an element");
            } else {
                self.text()?;
            }
        }
    }

    /// Attributes up to `>` or `/>`; returns true for `/>`.
    fn attributes(&mut self) -> std::result::Result<bool, String> {
        let mut seen: Vec<&'a str> = Vec::new();
        loop {
            let before = self.i;
            self.skip_space();
            if self.starts("/>") {
                self.i += 2;
                return Ok(true);
            }
            if self.starts(">") {
                self.i += 1;
                return Ok(false);
            }
            if self.i == before {
                return self.fail("expected a space before an attribute");
            }
            let name = self.name()?;
            if seen.contains(&name) {
                return self.fail(&format!("attribute '{name}' repeated"));
            }
            seen.push(name);
            self.skip_space();
            if !self.starts("=") {
                return self.fail("expected '=' after an attribute name");
            }
            self.i += 1;
            self.skip_space();
            let quote = match self.s.get(self.i) {
                Some(&q) if q == b'"' || q == b'\'' => q,
                _ => return self.fail("attribute value is not quoted"),
            };
            self.i += 1;
            loop {
                match self.s.get(self.i) {
                    None => return self.fail("attribute value never ends"),
                    Some(&c) if c == quote => {
                        self.i += 1;
                        break;
                    }
                    Some(b'<') => return self.fail("'<' inside an attribute value"),
                    Some(b'&') => self.entity()?,
                    Some(_) => self.i += 1,
                }
            }
        }
    }

    fn text(&mut self) -> std::result::Result<(), String> {
        while self.i < self.s.len() && self.s[self.i] != b'<' {
            if self.s[self.i] == b'&' {
                self.entity()?;
            } else {
                self.i += 1;
            }
        }
        Ok(())
    }

    /// `&amp;` and friends, `&#123;`, `&#x1F;`.
    fn entity(&mut self) -> std::result::Result<(), String> {
        let rest = &self.s[self.i + 1..];
        let end = match rest.iter().take(12).position(|&c| c == b';') {
            Some(end) => end,
            None => return self.fail("'&' that starts no entity"),
        };
        let body = &rest[..end];
        let ok = match body {
            b"amp" | b"lt" | b"gt" | b"quot" | b"apos" => true,
            [b'#', b'x', hex @ ..] => !hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit),
            [b'#', dec @ ..] => !dec.is_empty() && dec.iter().all(u8::is_ascii_digit),
            _ => false,
        };
        if !ok {
            return self.fail("unknown entity");
        }
        self.i += end + 2;
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
