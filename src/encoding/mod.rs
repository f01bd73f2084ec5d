//! Collection encodings: the packed and big representations of list and
//! hash values (Redis's `listpack.c`, `quicklist.c`, `dict.c`).

pub(crate) mod hashtable;
pub(crate) mod listpack;
pub(crate) mod quicklist;
