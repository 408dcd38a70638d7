//! The Deployment controller (ReplicaSet style): keeps `replicas` pods of each Deployment that
//! are not being deleted, creating a replacement as soon as one is deleted or evicted.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use crate::k8s::objects::{Kind, Labels, Meta, Name, Object, ObjectKey, Spec};
use crate::k8s::store::{StoredObject, WatchKind};
use crate::world::msg::ApiWrite;
use crate::world::timeline::{Actor, What};
use crate::world::{Addr, Ctx, Msg};

/// The alphabet Kubernetes uses for generated name suffixes.
pub const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// One Deployment: its object, pod-template-hash and active pods.
struct Deployment {
    stored: Arc<StoredObject>,
    hash: String,
    pods: Vec<ObjectKey>,
}

#[derive(Default)]
pub struct Deployments {
    by_key: BTreeMap<ObjectKey, Deployment>,
}

fn suffix(rng: &mut ChaCha8Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(ALPHANUMS[(rng.next_u32() as usize) % ALPHANUMS.len()]))
        .collect()
}

impl Deployments {
    pub fn reconcile(
        &mut self,
        kind: WatchKind,
        stored: &Arc<StoredObject>,
        rng: &mut ChaCha8Rng,
        ctx: &mut Ctx,
    ) {
        let key = stored.key();
        if kind == WatchKind::Deleted {
            for pod in self.by_key.remove(&key).map(|d| d.pods).unwrap_or_default() {
                let delete = Msg::Write(ApiWrite::Delete(pod));
                ctx.send(Addr::ApiServer, ctx.env.delays.api_write, delete);
            }
            return;
        }
        let entry = self
            .by_key
            .entry(key.clone())
            .or_insert_with(|| Deployment {
                stored: stored.clone(),
                hash: format!("{:08x}{}", rng.next_u32() & 0x0fff_ffff, suffix(rng, 2)),
                pods: Vec::new(),
            });
        entry.stored = stored.clone();
        self.scale(&key, rng, ctx);
    }

    /// A pod of `owner` is being deleted or is gone: it no longer counts.
    pub fn pod_gone(&mut self, pod: &ObjectKey, owner: &str, rng: &mut ChaCha8Rng, ctx: &mut Ctx) {
        let key = ObjectKey::new(Kind::Deployment, &pod.namespace, owner);
        let Some(d) = self.by_key.get_mut(&key) else {
            return;
        };
        let before = d.pods.len();
        d.pods.retain(|p| p != pod);
        if d.pods.len() != before {
            self.scale(&key, rng, ctx);
        }
    }

    /// Creates or deletes pods until the Deployment has its replicas.
    fn scale(&mut self, key: &ObjectKey, rng: &mut ChaCha8Rng, ctx: &mut Ctx) {
        let Some(d) = self.by_key.get_mut(key) else {
            return;
        };
        let Spec::Deployment(spec) = &d.stored.object.spec else {
            return;
        };
        let want = spec.replicas as usize;
        while d.pods.len() > want {
            if let Some(pod) = d.pods.pop() {
                let delete = Msg::Write(ApiWrite::Delete(pod));
                ctx.send(Addr::ApiServer, ctx.env.delays.api_write, delete);
            }
        }
        while d.pods.len() < want {
            let name: Name = format!("{}-{}-{}", key.name, d.hash, suffix(rng, 5)).into();
            let mut labels: Labels = spec.template_labels.clone();
            labels.insert("pod-template-hash".into(), d.hash.clone());
            let meta = Meta {
                name: name.clone(),
                namespace: key.namespace.clone(),
                labels,
                ..Meta::default()
            };
            let object = Object {
                meta,
                spec: Spec::Pod(spec.template.clone()),
                origin: d.stored.object.origin.clone(),
            };
            let pod = ObjectKey {
                kind: Kind::Pod,
                namespace: key.namespace.clone(),
                name,
            };
            ctx.note(
                Actor::ControllerManager,
                What::PodCreated {
                    pod: pod.clone(),
                    deployment: key.name.to_string(),
                },
            );
            let create = ApiWrite::Create {
                object: Arc::new(object),
                owner: Some(key.name.to_string()),
            };
            ctx.send(
                Addr::ApiServer,
                ctx.env.delays.api_write,
                Msg::Write(create),
            );
            d.pods.push(pod);
        }
    }
}
