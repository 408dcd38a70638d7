//! How haproxy reads one line of its configuration file (haproxy 2.x `parse_line()`), and how to
//! write a value so that it reads back unchanged.
//!
//! Reading: spaces and tabs separate words; `#` outside quotes starts a comment, even in the
//! middle of a word; `"…"` and `'…'` group (inside single quotes nothing is special; inside
//! double quotes `${NAME}` is an environment variable, expanded empty here); a backslash outside
//! single quotes escapes a space, `\`, `#`, `'`, `"` (and `$` inside double quotes), writes `\t`,
//! `\n`, `\r` and `\xHH` as the byte, and is kept as is before anything else. An unterminated
//! quote or a bad `\x` makes the line, and so the whole file, invalid.
//!
//! Contrail renders rule paths into `acl` lines without escaping, so a path with a space holds
//! two patterns and a `#` cuts the line: the simulator routes with the words haproxy reads.

/// Why haproxy refuses a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineError {
    UnmatchedQuote,
    BadHexEscape,
}

impl LineError {
    /// haproxy's wording.
    pub fn as_str(self) -> &'static str {
        match self {
            LineError::UnmatchedQuote => "unmatched quote",
            LineError::BadHexEscape => "truncated or invalid hexadecimal sequence",
        }
    }
}

/// The words of one configuration line, as haproxy reads them.
pub fn words(line: &str) -> Result<Vec<String>, LineError> {
    let bytes = line.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut word: Vec<u8> = Vec::new();
    let mut in_word = false;
    let (mut squote, mut dquote) = (false, false);
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let next = bytes.get(i + 1).copied();
        if squote {
            if b == b'\'' {
                squote = false;
            } else {
                word.push(b);
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                dquote = !dquote;
                in_word = true;
                i += 1;
            }
            b'\'' if !dquote => {
                squote = true;
                in_word = true;
                i += 1;
            }
            b'#' if !dquote => break,
            b' ' | b'\t' | b'\r' | b'\n' if !dquote => {
                if in_word {
                    out.push(String::from_utf8_lossy(&word).into_owned());
                    word.clear();
                    in_word = false;
                }
                i += 1;
            }
            b'$' if dquote && next == Some(b'{') => {
                // `${NAME}`: an environment variable; none is set for the simulated haproxy.
                let close = bytes
                    .get(i + 2..)
                    .and_then(|r| r.iter().position(|&c| c == b'}'));
                in_word = true;
                i = close.map_or(bytes.len(), |c| i + 2 + c + 1);
            }
            b'\\' => {
                in_word = true;
                let (emit, used) = escape(next, bytes.get(i + 2..), dquote)?;
                word.extend_from_slice(&emit);
                i += used;
            }
            _ => {
                in_word = true;
                word.push(b);
                i += 1;
            }
        }
    }
    if squote || dquote {
        return Err(LineError::UnmatchedQuote);
    }
    if in_word {
        out.push(String::from_utf8_lossy(&word).into_owned());
    }
    Ok(out)
}

/// A backslash followed by `next` (and `rest` after it): the bytes written and how many input
/// bytes it took.
fn escape(
    next: Option<u8>,
    rest: Option<&[u8]>,
    dquote: bool,
) -> Result<(Vec<u8>, usize), LineError> {
    Ok(match next {
        Some(c @ (b' ' | b'\\' | b'#' | b'\'' | b'"')) => (vec![c], 2),
        Some(b'$') if dquote => (vec![b'$'], 2),
        Some(b't') => (vec![b'\t'], 2),
        Some(b'n') => (vec![b'\n'], 2),
        Some(b'r') => (vec![b'\r'], 2),
        Some(b'x') => {
            let hex = |i: usize| {
                rest.and_then(|r| r.get(i))
                    .and_then(|c| char::from(*c).to_digit(16))
            };
            match (hex(0), hex(1)) {
                (Some(h), Some(l)) => (vec![u8::try_from(h * 16 + l).unwrap_or(0)], 4),
                _ => return Err(LineError::BadHexEscape),
            }
        }
        _ => (vec![b'\\'], 1),
    })
}

/// `value` written so that haproxy reads it back as one word, unchanged.
pub fn escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            ' ' | '#' | '\\' | '"' | '\'' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        out.push_str("\"\"");
    }
    out
}

/// The first line of `text` haproxy refuses to read: its number (from 1) and why.
pub fn first_error(text: &str) -> Option<(usize, LineError)> {
    text.lines()
        .enumerate()
        .find_map(|(i, l)| words(l).err().map(|e| (i + 1, e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(line: &str) -> Vec<String> {
        words(line).unwrap()
    }

    #[test]
    fn spaces_split_and_comments_cut() {
        assert_eq!(
            w("\tacl p_path path /a b"),
            ["acl", "p_path", "path", "/a", "b"]
        );
        assert_eq!(w("acl p path /c #d"), ["acl", "p", "path", "/c"]);
        assert_eq!(w("acl p path /c#d"), ["acl", "p", "path", "/c"]);
        assert_eq!(w("   "), Vec::<String>::new());
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(w(r#"path "/q r""#), ["path", "/q r"]);
        assert_eq!(w(r"path '/s\ t'"), ["path", r"/s\ t"]);
        assert_eq!(
            w(r"path /e\ f /g\#h /u\v"),
            ["path", "/e f", "/g#h", r"/u\v"]
        );
        assert_eq!(w(r#"a"b c"d"#), ["ab cd"]);
        assert_eq!(w(r"x\x41\\"), [r"xA\"]);
        assert_eq!(w(r#""${HOME}/x""#), ["/x"]);
        assert_eq!(w(r#""""#), [""]);
        assert_eq!(words(r#"path /a"b"#), Err(LineError::UnmatchedQuote));
        assert_eq!(words("path /a'b"), Err(LineError::UnmatchedQuote));
        assert_eq!(words(r"path /a\xg1"), Err(LineError::BadHexEscape));
    }

    #[test]
    fn escaped_values_read_back_unchanged() {
        for v in [
            "/a b", "/c#d", r"/e\f", r#"/q"r"#, "/s't", "/t\tab", "/$x", "${HOME}", "", "/ä",
        ] {
            assert_eq!(w(&format!("path {}", escaped(v))), ["path", v], "{v:?}");
        }
        assert_eq!(
            first_error("a\nb \"c\nd"),
            Some((2, LineError::UnmatchedQuote))
        );
        assert_eq!(first_error("a\nb"), None);
    }
}
