//! The backend models the configuration names, as clients may address them: `provider/model`
//! (what `GET /v1/models` lists after the agent targets, and `model` accepts).

use super::App;

/// One configured backend model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderModel {
    /// The provider id (the part before `/`), reported as the model's owner.
    pub provider: String,
    /// The model id within the provider.
    pub model: String,
}

impl ProviderModel {
    /// `provider/model`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.provider, self.model)
    }
}

impl App {
    /// Every configured provider's models, in provider order then the provider's own order
    /// (a model listed twice by one provider appears once).
    pub fn provider_models(&self) -> Vec<ProviderModel> {
        let cfg = self.config();
        let mut out: Vec<ProviderModel> = Vec::new();
        for p in cfg.providers.values() {
            for m in &p.models {
                let pm = ProviderModel {
                    provider: p.id.clone(),
                    model: m.id.clone(),
                };
                if !out.contains(&pm) {
                    out.push(pm);
                }
            }
        }
        out
    }

    /// The configured model named `provider/model`, if any.
    pub fn provider_model(&self, id: &str) -> Option<ProviderModel> {
        self.provider_models().into_iter().find(|m| m.id() == id)
    }
}
