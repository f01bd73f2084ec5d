//! Set algebra: SINTER, SUNION, SDIFF and their STORE forms, SINTERCARD, SMOVE.
