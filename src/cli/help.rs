//! `help <command>` from `COMMAND DOCS` or `COMMAND INFO`, in the layout
//! of `redis-cli`'s help (without its colours).

use crate::Reply;

/// What `help` shows of one command.
#[derive(Default)]
struct Doc {
    summary: String,
    since: String,
    group: String,
    params: String,
}

fn text(reply: &Reply) -> Option<String> {
    match reply {
        Reply::Bulk(b) | Reply::Verbatim(_, b) => Some(String::from_utf8_lossy(b).into_owned()),
        Reply::Simple(s) => Some((*s).to_owned()),
        Reply::Status(s) => Some(s.clone()),
        _ => None,
    }
}

/// A map's entries, from a RESP3 map or its RESP2 flat array.
fn pairs(reply: &Reply) -> Vec<(&Reply, &Reply)> {
    match reply {
        Reply::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
        Reply::Array(items) => items
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [k, v] => Some((k, v)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn field<'a>(reply: &'a Reply, name: &str) -> Option<&'a Reply> {
    pairs(reply)
        .into_iter()
        .find(|(k, _)| text(k).is_some_and(|k| k.eq_ignore_ascii_case(name)))
        .map(|(_, v)| v)
}

fn field_text(reply: &Reply, name: &str) -> String {
    field(reply, name).and_then(text).unwrap_or_default()
}

fn items(reply: &Reply) -> &[Reply] {
    match reply {
        Reply::Array(items) | Reply::Set(items) => items,
        _ => &[],
    }
}

/// One argument as `redis-cli` 7.2 writes it in a synopsis:
/// `[EX seconds | PX milliseconds]`, `key [key ...]`.
fn synopsis(arg: &Reply) -> String {
    let name = field(arg, "display_text")
        .and_then(text)
        .unwrap_or_else(|| field_text(arg, "name"));
    let children = || {
        field(arg, "arguments")
            .map(items)
            .unwrap_or_default()
            .iter()
            .map(synopsis)
    };
    let inner = match field_text(arg, "type").as_str() {
        "oneof" => children().collect::<Vec<_>>().join(" | "),
        "block" => children().collect::<Vec<_>>().join(" "),
        "pure-token" => String::new(),
        _ => name,
    };
    let flags: Vec<String> = field(arg, "flags")
        .map(items)
        .unwrap_or_default()
        .iter()
        .filter_map(text)
        .collect();
    let flag = |f: &str| flags.iter().any(|g| g.eq_ignore_ascii_case(f));
    let token = field(arg, "token").and_then(text);
    let join = |a: &str, b: &str| match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ => format!("{a} {b}"),
    };
    let mut out = match &token {
        Some(token) if flag("multiple") && !flag("multiple_token") => {
            format!("{} [{inner} ...]", join(token, &inner))
        }
        Some(token) => join(token, &inner),
        None => inner,
    };
    if flag("multiple") && (token.is_none() || flag("multiple_token")) {
        out = format!("{out} [{out} ...]");
    }
    if flag("optional") {
        out = format!("[{out}]");
    }
    out
}

fn doc(reply: &Reply) -> Doc {
    let args = field(reply, "arguments").map(items).unwrap_or_default();
    Doc {
        summary: field_text(reply, "summary"),
        since: field_text(reply, "since"),
        group: field_text(reply, "group"),
        params: args.iter().map(synopsis).collect::<Vec<_>>().join(" "),
    }
}

fn render(out: &mut String, name: &str, doc: &Doc, with_group: bool) {
    let name = name.replace('|', " ").to_ascii_uppercase();
    let title = if doc.params.is_empty() {
        name
    } else {
        format!("{name} {}", doc.params)
    };
    out.push_str(&format!(
        "\n  {title}\n  summary: {}\n  since: {}\n",
        doc.summary, doc.since
    ));
    if with_group {
        out.push_str(&format!("  group: {}\n", doc.group));
    }
}

/// Help on the commands `COMMAND DOCS` describes that `topic` names:
/// `["get"]`, `["config"]` (the command and its subcommands),
/// `["config", "get"]`, or `["@string"]` (a group). Empty if none.
pub(super) fn from_docs(docs: &Reply, topic: &[String]) -> String {
    let mut out = String::new();
    let group = topic.first().and_then(|t| t.strip_prefix('@'));
    let mut entries = Vec::new();
    for (name, reply) in pairs(docs) {
        let Some(name) = text(name) else { continue };
        entries.push((name, reply));
        if let Some(subs) = field(reply, "subcommands") {
            entries.extend(
                pairs(subs)
                    .into_iter()
                    .filter_map(|(n, d)| Some((text(n)?, d))),
            );
        }
    }
    for (name, reply) in entries {
        let doc = doc(reply);
        let matches = match group {
            Some(group) => doc.group.eq_ignore_ascii_case(group),
            None => {
                let words: Vec<&str> = name.split('|').collect();
                topic.len() <= words.len()
                    && topic
                        .iter()
                        .zip(&words)
                        .all(|(t, w)| t.eq_ignore_ascii_case(w))
            }
        };
        if matches {
            render(&mut out, &name, &doc, group.is_none());
        }
    }
    out
}

/// Help from `COMMAND INFO`'s arity and first key, as `redis-cli` makes
/// it for a command its help table lacks. `None` if it has no entry.
pub(super) fn from_info(info: &Reply) -> Option<String> {
    let entry = items(info).first()?;
    let (name, arity, first_key) = match items(entry) {
        [
            name,
            Reply::Integer(arity),
            _,
            Reply::Integer(first_key),
            ..,
        ] => (text(name)?, *arity, *first_key),
        _ => return None,
    };
    let mut params = Vec::new();
    let mut args = arity.unsigned_abs().saturating_sub(1);
    if first_key == 1 && args > 0 {
        params.push("key");
        args -= 1;
    }
    params.extend(std::iter::repeat_n(
        "arg",
        usize::try_from(args).unwrap_or(0),
    ));
    if arity < 0 {
        params.push("...options...");
    }
    let doc = Doc {
        summary: "Help not available".to_owned(),
        since: "not known".to_owned(),
        group: String::new(),
        params: params.join(" "),
    };
    let mut out = String::new();
    render(&mut out, &name, &doc, false);
    out.push_str(&format!("  arity: {arity}\n"));
    Some(out)
}
