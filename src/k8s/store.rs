//! What kube-apiserver stores and tells its watchers.

use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::k8s::objects::Object;
use crate::k8s::objects::ObjectKey;
use crate::sim::Time;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchKind {
    Added,
    Modified,
    Deleted,
}

impl WatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WatchKind::Added => "ADDED",
            WatchKind::Modified => "MODIFIED",
            WatchKind::Deleted => "DELETED",
        }
    }
}

/// An object as stored: the manifest, what the cluster filled in, and its status.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredObject {
    pub object: Arc<Object>,
    /// `metadata.resourceVersion`: bumped by every write, kept beside the object so that a
    /// status write does not copy it.
    pub resource_version: u64,
    pub created: Time,
    /// Set for pods created by a Deployment.
    pub owner: Option<String>,
    pub status: Status,
    /// `metadata.deletionTimestamp`: a pod being deleted, until its kubelet confirms.
    pub deletion: Option<Time>,
}

impl StoredObject {
    pub fn key(&self) -> ObjectKey {
        key_of(&self.object)
    }
}

pub fn key_of(object: &Object) -> ObjectKey {
    ObjectKey {
        kind: object.kind(),
        namespace: object.meta.namespace.clone(),
        name: object.meta.name.clone(),
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// Pod: the address its interface got.
    pub pod_ip: Option<Ipv4Addr>,
    /// Pod: its container runs (kubectl's READY counts running containers).
    pub running: bool,
    /// Pod: its Ready condition (what endpoints follow); Node: its Ready condition.
    pub ready: bool,
    /// Pod: container restarts the kubelet reported.
    pub restarts: u32,
    /// Pod: its container keeps exiting since then (CrashLoopBackOff).
    pub crash_since: Option<Time>,
    /// Pod: `status.reason` (`NodeLost` once evicted from an unreachable node).
    pub reason: Option<&'static str>,
    /// Node: when its Ready condition last changed.
    pub transition: Time,
    /// Service: its cluster IP.
    pub cluster_ip: Option<Ipv4Addr>,
    /// Service (LoadBalancer) and Ingress: `status.loadBalancer.ingress[].ip`.
    pub load_balancer: Vec<Ipv4Addr>,
}

/// The ready endpoints of one Service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub service: ObjectKey,
    /// (pod, pod IP, node name), ordered by pod name.
    pub addresses: Vec<(ObjectKey, Ipv4Addr, String)>,
}
