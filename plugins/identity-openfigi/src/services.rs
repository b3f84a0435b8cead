//! The identity service: queries in batches as OpenFIGI allows, one
//! resolution per query, in order.

use async_trait::async_trait;
use stonks_core::identity::{IdentityQuery, IdentityService, Resolution};
use stonks_core::{ErrorKind, PluginContext, Result, Services};

use crate::client::Client;
use crate::{convert, wire};

pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    Ok(Services::new().identity_v1(OpenFigi {
        client: Client::new(ctx)?,
    }))
}

struct OpenFigi {
    client: Client,
}

impl OpenFigi {
    /// `message` as it may be shown: masked by the client's redactor.
    fn failed(&self, message: &str) -> Resolution {
        Resolution::Failed {
            message: self.client.redact(message),
        }
    }
}

#[async_trait]
impl IdentityService for OpenFigi {
    /// Batches of 10 jobs (100 with a key), one after the other through the
    /// rate limit. An answer that cannot be read fails its batch and the
    /// next batch is asked; a request that fails (after core's retries)
    /// fails its batch and every later one, and nothing more is sent. A
    /// rejected key on the first request is the call's error.
    async fn resolve(&self, queries: &[IdentityQuery]) -> Result<Vec<Resolution>> {
        let mut out = Vec::with_capacity(queries.len());
        for (n, chunk) in queries.chunks(self.client.jobs_per_request()).enumerate() {
            let jobs: Vec<wire::MappingJob<'_>> = chunk.iter().map(wire::job).collect();
            match self.client.map(&jobs).await {
                Ok(answer) => match convert::batch(answer.body(), chunk.len()) {
                    Ok(resolutions) => out.extend(resolutions.into_iter().map(|r| match r {
                        Resolution::Failed { message } => self.failed(&message),
                        Resolution::NotFound { message } => Resolution::NotFound {
                            message: self.client.redact(&message),
                        },
                        other => other,
                    })),
                    Err(why) => {
                        tracing::warn!("OpenFIGI batch {} failed: {why}", n + 1);
                        out.extend(chunk.iter().map(|_| self.failed(&why)));
                    }
                },
                Err(e) if n == 0 && matches!(e.kind(), ErrorKind::Auth) => return Err(e),
                Err(e) => {
                    let why = format!("not asked: request {} failed: {e}", n + 1);
                    tracing::warn!("{why}");
                    out.resize_with(queries.len(), || self.failed(&why));
                    break;
                }
            }
        }
        Ok(out)
    }
}
