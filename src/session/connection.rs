//! The connection commands a [`Session`] runs itself: `AUTH`, `HELLO`,
//! `SELECT`, `CLIENT`, `MULTI`, `EXEC`, `DISCARD`, `WATCH`, `UNWATCH`,
//! `QUIT`, `RESET` (Redis's `networking.c`, `multi.c` and `server.c`).

use super::{Multi, Session};
use crate::command::args::{self, is};
use crate::{Error, Protocol, Reply, Store};

/// Commands a client may send before `AUTH` (Redis's `no-auth` flag).
pub(super) fn allowed_before_auth(name: &str) -> bool {
    matches!(name, "auth" | "hello" | "quit" | "reset")
}

/// Inside `MULTI` these still run at once; other connection commands are
/// queued like any command.
fn runs_inside_multi(name: &str) -> bool {
    matches!(
        name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

/// The server's answer to `HELLO`.
const SERVER_VERSION: &str = "7.0.15";

impl Session {
    /// Runs the connection command `name` (its table name, `client|id`
    /// for subcommands), which passed the arity check; `None` when it is to
    /// be queued inside `MULTI`.
    pub(super) fn connection_command(&mut self, name: &str, argv: &[&[u8]]) -> Option<Reply> {
        if self.multi.is_some() && !runs_inside_multi(name) {
            return None;
        }
        let reply = match name {
            "auth" => self.auth(argv),
            "hello" => self.hello(argv),
            "select" => select(argv[1]),
            "client|id" => Reply::Integer(id_i64(self.id)),
            "client|getname" => Reply::bulk_or_null(self.name.clone()),
            "client|setname" => self.set_name(argv[2]).map(|()| Reply::ok()).into(),
            "client|info" => Reply::Verbatim("txt", self.info_line().into_bytes()),
            "client|list" => self.client_list(argv),
            "client|help" => Reply::Array(
                CLIENT_HELP
                    .iter()
                    .map(|l| Reply::Status((*l).to_owned()))
                    .collect(),
            ),
            "multi" => self.multi(),
            "exec" => self.exec(),
            "discard" => self.discard(),
            "watch" => self.watch(&argv[1..]),
            "unwatch" => {
                self.watches.clear();
                Reply::ok()
            }
            "quit" => {
                self.closing = true;
                Reply::ok()
            }
            "reset" => self.reset(),
            name if super::pubsub::is_subscription_command(name) => {
                self.subscription_command(name, argv)
            }
            _ => return None,
        };
        Some(reply)
    }

    /// Checks a password for `user` (only the default user exists).
    fn authenticate(&mut self, user: &[u8], password: &[u8]) -> Result<(), Error> {
        let ok = user == b"default"
            && (self.store.requirepass().is_none() || self.store.check_password(password));
        if ok {
            self.authenticated = true;
            Ok(())
        } else {
            Err(Error::WrongPass)
        }
    }

    fn auth(&mut self, argv: &[&[u8]]) -> Reply {
        let result = match argv {
            [_, password] => {
                if self.store.requirepass().is_none() {
                    Err(Error::AuthNotConfigured)
                } else {
                    self.authenticate(b"default", password)
                }
            }
            [_, user, password] => self.authenticate(user, password),
            _ => Err(Error::Syntax),
        };
        result.map(|()| Reply::ok()).into()
    }

    fn hello(&mut self, argv: &[&[u8]]) -> Reply {
        let mut version = None;
        if let Some(v) = argv.get(1) {
            let Ok(v) = args::int(v) else {
                return Reply::Error(Error::HelloProtocolNotInteger);
            };
            version = match v {
                2 => Some(Protocol::Resp2),
                3 => Some(Protocol::Resp3),
                _ => return Reply::Error(Error::NoProto),
            };
        }
        let mut credentials = None;
        let mut name = None;
        let mut j = 2;
        while let Some(&opt) = argv.get(j) {
            let more = argv.len() - 1 - j;
            if is(opt, "auth") && more >= 2 {
                credentials = Some((argv[j + 1], argv[j + 2]));
                j += 3;
            } else if is(opt, "setname") && more >= 1 {
                name = Some(argv[j + 1]);
                j += 2;
            } else {
                return Reply::Error(Error::HelloSyntax(args::c_str(opt)));
            }
        }
        if let Some((user, password)) = credentials
            && let Err(e) = self.authenticate(user, password)
        {
            return Reply::Error(e);
        }
        if !self.authenticated {
            return Reply::Error(Error::HelloNoAuth);
        }
        if let Some(name) = name
            && let Err(e) = self.set_name(name)
        {
            return Reply::Error(e);
        }
        if let Some(v) = version {
            self.protocol = v;
        }
        let text = |s: &str| Reply::Bulk(s.as_bytes().to_vec());
        Reply::Map(vec![
            (text("server"), text("redis")),
            (text("version"), text(SERVER_VERSION)),
            (
                text("proto"),
                Reply::Integer(if self.protocol == Protocol::Resp3 {
                    3
                } else {
                    2
                }),
            ),
            (text("id"), Reply::Integer(id_i64(self.id))),
            (text("mode"), text("standalone")),
            (text("role"), text("master")),
            (text("modules"), Reply::Array(Vec::new())),
        ])
    }

    fn set_name(&mut self, name: &[u8]) -> Result<(), Error> {
        if name.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
            return Err(Error::ClientNameInvalid);
        }
        self.name = (!name.is_empty()).then(|| name.to_vec());
        Ok(())
    }

    /// This client's `CLIENT INFO` line.
    fn info_line(&self) -> String {
        self.publish();
        self.entry.lock().line()
    }

    /// `CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id …]`.
    fn client_list(&self, argv: &[&[u8]]) -> Reply {
        self.publish();
        let mut ids = None;
        // `None`: every client; else only those with (or without)
        // subscriptions, Redis's `pubsub` and `normal` types.
        let mut pubsub: Option<bool> = None;
        let mut only_none = false;
        match argv {
            [_, _] => {}
            [_, _, opt, kind] if is(opt, "type") => {
                if is(kind, "master") || is(kind, "replica") || is(kind, "slave") {
                    only_none = true;
                } else if is(kind, "pubsub") {
                    pubsub = Some(true);
                } else if is(kind, "normal") {
                    pubsub = Some(false);
                } else {
                    return Reply::Error(Error::ClientUnknownType(args::c_str(kind)));
                }
            }
            [_, _, opt, list @ ..] if is(opt, "id") && !list.is_empty() => {
                let parsed: Result<Vec<i64>, _> = list.iter().map(|id| args::int(id)).collect();
                let Ok(parsed) = parsed else {
                    return Reply::Error(Error::ClientInvalidId);
                };
                ids = Some(
                    parsed
                        .into_iter()
                        .filter_map(|n| u64::try_from(n).ok())
                        .collect::<Vec<_>>(),
                );
            }
            _ => return Reply::Error(Error::Syntax),
        }
        let text: String = if only_none {
            String::new()
        } else {
            self.store
                .inner
                .clients
                .list(ids.as_deref())
                .iter()
                .filter(|c| pubsub.is_none_or(|p| c.is_pubsub() == p))
                .map(super::clients::Snapshot::line)
                .collect()
        };
        Reply::Verbatim("txt", text.into_bytes())
    }

    fn multi(&mut self) -> Reply {
        if self.multi.is_some() {
            return Reply::Error(Error::MultiNested);
        }
        self.multi = Some(Multi::default());
        Reply::ok()
    }

    fn discard(&mut self) -> Reply {
        if self.multi.take().is_none() {
            return Reply::Error(Error::DiscardWithoutMulti);
        }
        self.watches.clear();
        Reply::ok()
    }

    fn watch(&mut self, keys: &[&[u8]]) -> Reply {
        if self.multi.is_some() {
            return Reply::Error(Error::WatchInMulti);
        }
        let watch = self.store.watch(keys);
        self.watches.push(watch);
        Reply::ok()
    }

    fn reset(&mut self) -> Reply {
        self.multi = None;
        self.watches.clear();
        self.protocol = Protocol::Resp2;
        self.name = None;
        self.authenticated = self.store.requirepass().is_none();
        self.reset_pubsub(Reply::Simple("RESET"))
    }
}

fn select(index: &[u8]) -> Reply {
    match args::int32(index) {
        Ok(0) => Reply::ok(),
        Ok(_) => Reply::Error(Error::DbIndexOutOfRange),
        Err(_) => Reply::Error(Error::NotInteger),
    }
}

fn id_i64(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

const CLIENT_HELP: &[&str] = &[
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "    * ID <client-id> [<client-id> ...]",
    "      Return clients of specified IDs only.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "HELP",
    "    Print this help.",
];

/// The handler of connection commands in the command table: through
/// [`Store::execute`] each call is a connection of its own, so it runs in a
/// fresh [`Session`] (`MULTI` answers OK, but the next `execute` is another
/// connection; use a [`Session`] to keep state). `SUBSCRIBE` answers its
/// confirmations, and the subscription ends with the session.
pub(crate) fn standalone(store: &Store, argv: &[&[u8]]) -> Reply {
    Session::new(store).execute(argv)
}
