//! Fault injection: ENOSPC and EIO while appending, fsyncing and
//! rewriting, and rewrites under concurrent recorders.

use super::tests::*;
use super::*;
