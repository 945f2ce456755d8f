//! How tied event times enter the partial likelihood: Efron's approximation (R's default),
//! Breslow's, or the exact discrete likelihood (Kalbfleisch & Prentice 1980, §5.5.3).

/// How tied event times enter the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    /// Efron's approximation (R `coxph`'s default).
    #[default]
    Efron,
    /// Breslow's approximation: every tied event sees the full risk set.
    Breslow,
    /// The exact discrete (conditional logistic) likelihood (R's `ties = "exact"`).
    Exact,
}

impl std::str::FromStr for Ties {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "efron" => Ok(Ties::Efron),
            "breslow" => Ok(Ties::Breslow),
            "exact" => Ok(Ties::Exact),
            _ => Err(format!("unknown ties method '{s}'; use efron, breslow or exact")),
        }
    }
}

impl std::fmt::Display for Ties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ties::Efron => "efron",
            Ties::Breslow => "breslow",
            Ties::Exact => "exact",
        })
    }
}
