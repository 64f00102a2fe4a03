//! `gateway.http.limits` → [`HttpLimits`]: the seeds' families start from seed 003's limits
//! (the top-level `requestsPerMinute`/`concurrency` override their defaults), the opt-in
//! families from nothing; each family's object overrides single limits, and `false`, `null` or
//! `enabled: false` turns a family off.

use super::raw::{RawFamilyLimitFields, RawFamilyLimits, RawLimits};
use super::types::{FamilyLimits, HttpLimits, LIMIT_FAMILIES};
use std::time::Duration;

fn raw_family<'a>(l: &'a RawLimits, family: &str) -> Option<&'a Option<RawFamilyLimits>> {
    match family {
        "api_v1" => l.api_v1.as_ref(),
        "agent" => l.agent.as_ref(),
        "sessions" => l.sessions.as_ref(),
        "channels" => l.channels.as_ref(),
        "browser" => l.browser.as_ref(),
        "openai" => l.openai.as_ref(),
        "tools_invoke" => l.tools_invoke.as_ref(),
        "hooks" => l.hooks.as_ref(),
        _ => None,
    }
}

fn apply(base: FamilyLimits, family: &'static str, f: &RawFamilyLimitFields) -> FamilyLimits {
    FamilyLimits {
        budget: family,
        rate_per_minute: f.rate_per_minute.unwrap_or(base.rate_per_minute),
        max_concurrent: f.max_concurrent.unwrap_or(base.max_concurrent),
        max_body_bytes: match f.max_body_bytes {
            Some(0) => None,
            Some(n) => Some(n),
            None => base.max_body_bytes,
        },
        timeout: match f.timeout_seconds {
            Some(0) => None,
            Some(s) => Some(Duration::from_secs(s)),
            None => base.timeout,
        },
    }
}

/// The limits by family.
pub fn http_limits(raw: Option<&RawLimits>) -> HttpLimits {
    let mut out = HttpLimits::default();
    out.families.clear();
    for (family, seed) in LIMIT_FAMILIES {
        let base = if *seed {
            FamilyLimits {
                rate_per_minute: raw
                    .and_then(|l| l.requests_per_minute)
                    .unwrap_or(FamilyLimits::SEED.rate_per_minute),
                max_concurrent: raw
                    .and_then(|l| l.concurrency)
                    .unwrap_or(FamilyLimits::SEED.max_concurrent),
                ..FamilyLimits::SEED
            }
        } else {
            FamilyLimits {
                rate_per_minute: 0,
                max_concurrent: 0,
                max_body_bytes: None,
                timeout: None,
                budget: family,
            }
        };
        let limits = match raw.and_then(|l| raw_family(l, family)) {
            None => seed.then_some(base),
            Some(None) | Some(Some(RawFamilyLimits::Switch(false))) => None,
            Some(Some(RawFamilyLimits::Switch(true))) => Some(base),
            Some(Some(RawFamilyLimits::Limits(f))) if f.enabled == Some(false) => None,
            Some(Some(RawFamilyLimits::Limits(f))) => Some(apply(base, family, f)),
        };
        if let Some(l) = limits {
            out.families.insert(family, l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> HttpLimits {
        let raw: RawLimits = json5::from_str(text).expect("valid limits");
        http_limits(Some(&raw))
    }

    #[test]
    fn seed_families_default_opt_in_families_configured_off_switches() {
        let d = http_limits(None);
        assert_eq!(d.family("sessions"), Some(&FamilyLimits::SEED));
        assert_eq!(d.family("openai"), None);
        let l = parse(
            r#"{ requestsPerMinute: 50, sessions: { ratePerMinute: 3 }, channels: false,
                 agent: null, api_v1: { enabled: false }, openai: { ratePerMinute: 5 },
                 toolsInvoke: true, browser: { maxBodyBytes: 0, timeoutSeconds: 5 } }"#,
        );
        assert_eq!(l.family("sessions").unwrap().rate_per_minute, 3);
        assert_eq!(l.family("sessions").unwrap().max_concurrent, 10);
        assert_eq!(l.family("channels"), None);
        assert_eq!(l.family("agent"), None);
        assert_eq!(l.family("api_v1"), None);
        let openai = l.family("openai").unwrap();
        assert_eq!((openai.rate_per_minute, openai.max_concurrent), (5, 0));
        assert_eq!(openai.max_body_bytes, None);
        let tools = l.family("tools_invoke").unwrap();
        assert_eq!((tools.rate_per_minute, tools.max_concurrent), (0, 0));
        assert_eq!(l.family("sessions").unwrap().budget, "sessions");
        assert_eq!(d.family("sessions").unwrap().budget, "seed");
        let browser = l.family("browser").unwrap();
        assert_eq!(browser.rate_per_minute, 50);
        assert_eq!(browser.max_body_bytes, None);
        assert_eq!(browser.timeout, Some(Duration::from_secs(5)));
        assert_eq!(l.family("hooks"), None);
    }
}
