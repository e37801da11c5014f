//! Text for a terminal: label values and object names come from the cluster
//! and may hold control characters (an escape sequence that clears the
//! screen or rewrites a line, a bidirectional override). Text outputs pass
//! through [`escape_controls`].

/// `text` with control characters (C0 but newline and tab, DEL, C1) and
/// bidirectional overrides written as `\u{..}`; the same text when there is
/// none.
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// JSON text made safe as the content of an HTML `<script>` element: `<`,
/// `>` and `&` (which JSON holds only inside strings) and the line
/// separators U+2028/U+2029 as `\u` escapes, so that no label value can end
/// the element (`</script>`) or open a comment (`<!--`). The JSON means the
/// same.
pub fn json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_for_a_script_element_cannot_end_it() {
        let json = "{\"name\":\"</script><!--&\u{2028}\u{2029}x\"}";
        assert_eq!(
            json_for_script(json),
            r#"{"name":"\u003c/script\u003e\u003c!--\u0026\u2028\u2029x"}"#
        );
        assert_eq!(json_for_script(r#"{"a":[1,"b"]}"#), r#"{"a":[1,"b"]}"#);
    }

    #[test]
    fn control_characters_are_escaped_and_lines_kept() {
        assert_eq!(
            escape_controls("a\u{1b}[2Jb\r\nc\td\u{7f}\u{9b}\u{202e}"),
            "a\\u{1b}[2Jb\\u{d}\nc\td\\u{7f}\\u{9b}\\u{202e}"
        );
        assert_eq!(escape_controls("plain ünïcode\n"), "plain ünïcode\n");
    }
}
