//! Collection encodings: the packed and big representations of list,
//! hash, set and sorted-set values (Redis's `listpack.c`, `quicklist.c`, `dict.c`).

pub(crate) mod hashtable;
pub(crate) mod intset;
pub(crate) mod listpack;
pub(crate) mod quicklist;
pub(crate) mod settable;
pub(crate) mod sortedset;
pub(crate) mod zorder;
pub(crate) mod zpacked;
