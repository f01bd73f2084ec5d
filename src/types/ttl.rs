//! The EXPIRE family, PERSIST, TTL, PTTL, EXPIRETIME and PEXPIRETIME
//! (Redis's `expire.c` commands).

use crate::pubsub::class;
use crate::{Error, Result, Store};

/// Conditions of the `EXPIRE` family (`NX`, `XX`, `GT`, `LT`). `XX` combines
/// with `GT` or `LT`; other combinations are refused as Redis refuses them.
///
/// ```
/// use kvstore::{ExpireCondition, Store};
///
/// let store = Store::new();
/// store.set("k", "v")?;
/// assert!(store.expire_with("k", 100, ExpireCondition::new().nx())?);
/// assert!(!store.expire_with("k", 50, ExpireCondition::new().gt())?); // 50 < 100
/// assert!(store.expire_with("k", 50, ExpireCondition::new().lt())?);
/// # Ok::<(), kvstore::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct ExpireCondition {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl ExpireCondition {
    /// No condition: always set.
    pub fn new() -> Self {
        ExpireCondition::default()
    }

    /// `NX`: only if the key has no expiry.
    pub fn nx(mut self) -> Self {
        self.nx = true;
        self
    }

    /// `XX`: only if the key has an expiry.
    pub fn xx(mut self) -> Self {
        self.xx = true;
        self
    }

    /// `GT`: only if the new expiry is later (no expiry counts as infinite).
    pub fn gt(mut self) -> Self {
        self.gt = true;
        self
    }

    /// `LT`: only if the new expiry is earlier (no expiry counts as infinite).
    pub fn lt(mut self) -> Self {
        self.lt = true;
        self
    }

    pub(crate) fn validate(self) -> Result<()> {
        if self.nx && (self.xx || self.gt || self.lt) {
            return Err(Error::ExpireNxConflict);
        }
        if self.gt && self.lt {
            return Err(Error::ExpireGtLtConflict);
        }
        Ok(())
    }

    /// Whether a key whose deadline is `current` may get deadline `when`.
    pub(crate) fn allows(self, current: Option<i64>, when: i64) -> bool {
        if self.nx && current.is_some() {
            return false;
        }
        if self.xx && current.is_none() {
            return false;
        }
        if self.gt && current.is_none_or(|c| when <= c) {
            return false;
        }
        if self.lt && current.is_some_and(|c| when >= c) {
            return false;
        }
        true
    }
}

/// How an EXPIRE-family argument is read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ExpireUnit {
    Seconds,
    Milliseconds,
}

impl Store {
    /// `EXPIRE key seconds`: set a time to live; returns whether it was set
    /// (false if the key does not exist). A time in the past deletes the key.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidExpireTime`] when the deadline overflows.
    pub fn expire(&self, key: impl AsRef<[u8]>, seconds: i64) -> Result<bool> {
        self.expire_generic(
            key.as_ref(),
            seconds,
            ExpireUnit::Seconds,
            true,
            ExpireCondition::new(),
            "expire",
        )
    }

    /// `EXPIRE key seconds [NX|XX|GT|LT]`.
    ///
    /// # Errors
    ///
    /// [`Error::ExpireNxConflict`], [`Error::ExpireGtLtConflict`],
    /// [`Error::InvalidExpireTime`].
    pub fn expire_with(
        &self,
        key: impl AsRef<[u8]>,
        seconds: i64,
        condition: ExpireCondition,
    ) -> Result<bool> {
        self.expire_generic(
            key.as_ref(),
            seconds,
            ExpireUnit::Seconds,
            true,
            condition,
            "expire",
        )
    }

    /// `PEXPIRE key milliseconds`.
    ///
    /// # Errors
    ///
    /// As [`Store::expire`].
    pub fn pexpire(&self, key: impl AsRef<[u8]>, milliseconds: i64) -> Result<bool> {
        self.expire_generic(
            key.as_ref(),
            milliseconds,
            ExpireUnit::Milliseconds,
            true,
            ExpireCondition::new(),
            "pexpire",
        )
    }

    /// `EXPIREAT key unix-time-seconds`.
    ///
    /// # Errors
    ///
    /// As [`Store::expire`].
    pub fn expireat(&self, key: impl AsRef<[u8]>, unix_seconds: i64) -> Result<bool> {
        self.expire_generic(
            key.as_ref(),
            unix_seconds,
            ExpireUnit::Seconds,
            false,
            ExpireCondition::new(),
            "expireat",
        )
    }

    /// `PEXPIREAT key unix-time-milliseconds`.
    ///
    /// # Errors
    ///
    /// As [`Store::expire`].
    pub fn pexpireat(&self, key: impl AsRef<[u8]>, unix_milliseconds: i64) -> Result<bool> {
        self.expire_generic(
            key.as_ref(),
            unix_milliseconds,
            ExpireUnit::Milliseconds,
            false,
            ExpireCondition::new(),
            "pexpireat",
        )
    }

    /// The EXPIRE family with Redis's `expireGenericCommand` rules.
    pub(crate) fn expire_generic(
        &self,
        key: &[u8],
        when: i64,
        unit: ExpireUnit,
        relative: bool,
        condition: ExpireCondition,
        command: &'static str,
    ) -> Result<bool> {
        condition.validate()?;
        self.write_key_shrinking(key, |shard, loc, ctx| {
            let invalid = Error::InvalidExpireTime(command);
            let ms = match unit {
                ExpireUnit::Seconds => when.checked_mul(1000).ok_or(invalid.clone())?,
                ExpireUnit::Milliseconds => when,
            };
            let at = if relative {
                ms.checked_add(ctx.now()).ok_or(invalid)?
            } else {
                ms
            };
            let Some(index) = shard.find_live(key, loc.hash, ctx) else {
                return Ok(false);
            };
            let current = shard
                .slot(index)
                .and_then(|s| shard.deadline_of(s, loc.hash));
            if !condition.allows(current, at) {
                return Ok(false);
            }
            if at <= ctx.now() {
                shard.remove_at(index, loc.hash);
                ctx.notify(class::GENERIC, "del", key);
                ctx.propagate(&[b"DEL", key]);
            } else {
                shard.set_deadline(index, loc.hash, Some(at));
                ctx.notify(class::GENERIC, "expire", key);
                let mut buf = itoa::Buffer::new();
                ctx.propagate(&[b"PEXPIREAT", key, buf.format(at).as_bytes()]);
            }
            Ok(true)
        })
    }

    /// `PERSIST key`: remove the time to live; returns whether there was one.
    pub fn persist(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        let key = key.as_ref();
        self.write_key_shrinking(key, |shard, loc, ctx| {
            let Some(index) = shard.find_live(key, loc.hash, ctx) else {
                return Ok(false);
            };
            if shard
                .slot(index)
                .and_then(|s| shard.deadline_of(s, loc.hash))
                .is_none()
            {
                return Ok(false);
            }
            shard.set_deadline(index, loc.hash, None);
            ctx.notify(class::GENERIC, "persist", key);
            ctx.propagate(&[b"PERSIST", key]);
            Ok(true)
        })
    }

    /// `TTL key`: seconds to live (rounded), -1 without expiry, -2 when the
    /// key does not exist.
    pub fn ttl(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        Ok(self.ttl_generic(key.as_ref(), false, false))
    }

    /// `PTTL key`: as [`Store::ttl`] in milliseconds.
    pub fn pttl(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        Ok(self.ttl_generic(key.as_ref(), true, false))
    }

    /// `EXPIRETIME key`: the Unix time in seconds at which the key expires,
    /// -1 without expiry, -2 when the key does not exist.
    pub fn expiretime(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        Ok(self.ttl_generic(key.as_ref(), false, true))
    }

    /// `PEXPIRETIME key`: as [`Store::expiretime`] in milliseconds.
    pub fn pexpiretime(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        Ok(self.ttl_generic(key.as_ref(), true, true))
    }

    /// Redis's `ttlGenericCommand`.
    fn ttl_generic(&self, key: &[u8], ms: bool, absolute: bool) -> i64 {
        self.read_key_in_shard(key, |shard, ctx, slot| {
            let Some(slot) = slot else {
                return -2;
            };
            let Some(at) = shard.deadline_of(slot, shard.hash(key)) else {
                return -1;
            };
            let t = if absolute {
                at
            } else {
                at.saturating_sub(ctx.now())
            }
            .max(0);
            if ms {
                t
            } else {
                // Rounded to the nearest second without overflowing near
                // i64::MAX (Redis's (t + 500) / 1000 computes as if unsigned).
                i64::try_from((i128::from(t) + 500) / 1000).unwrap_or(i64::MAX)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expire_conditions_follow_redis() {
        let c = ExpireCondition::new;
        assert_eq!(c().nx().xx().validate(), Err(Error::ExpireNxConflict));
        assert_eq!(c().nx().gt().validate(), Err(Error::ExpireNxConflict));
        assert_eq!(c().gt().lt().validate(), Err(Error::ExpireGtLtConflict));
        assert_eq!(c().xx().gt().validate(), Ok(()));
        assert!(c().gt().allows(Some(10), 11));
        assert!(!c().gt().allows(Some(10), 10));
        assert!(!c().gt().allows(None, 10), "no TTL is infinite for GT");
        assert!(c().lt().allows(None, 10), "no TTL is infinite for LT");
        assert!(!c().lt().allows(Some(10), 10));
        assert!(!c().xx().allows(None, 10));
        assert!(!c().nx().allows(Some(1), 10));
    }
}
