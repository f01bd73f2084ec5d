//! TEMPORARY placeholder (f64) until the real 80-bit implementation lands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct F80(f64);
impl F80 {
    pub(crate) fn parse(s: &[u8]) -> Option<F80> {
        std::str::from_utf8(s).ok()?.parse::<f64>().ok().map(F80)
    }
    pub(crate) fn from_i64(v: i64) -> F80 {
        F80(v as f64)
    }
    pub(crate) fn add(self, o: F80) -> F80 {
        F80(self.0 + o.0)
    }
    pub(crate) fn is_finite(self) -> bool {
        self.0.is_finite()
    }
    pub(crate) fn to_human_string(self) -> Option<String> {
        let s = format!("{:.17}", self.0);
        let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        Some(if s == "-0" { "0".into() } else { s })
    }
}
