//! An Ingress's `spec.tls` as Contrail's kube-manager reads it (`vnc_ingress.py`,
//! `_get_tls_dict` and `_get_new_backend_list`): which backends get a `TERMINATED_HTTPS`
//! listener on port 443, and with which TLS container.
//!
//! - Every `tls` entry with a `secretName` maps each of its `hosts` (or, without hosts, `ALL`)
//!   to the container `<namespace>__<secretName>`; a later entry overrides an earlier one.
//! - A rule path whose rule host is mapped gets a copy on 443 with that container as its SNI
//!   container. Otherwise, a rule path that has a `path` gets a copy with the `ALL` container
//!   as its default container (a rule path without `path` gets none: Contrail's quirk).
//! - The default backend gets a copy with the `ALL` container, if there is one.
//!
//! The Secrets' certificates are read for their common name, which names the PEM file the
//! vRouter agent writes for haproxy (`<cn>.pem`); an unknown Secret, or one whose `tls.crt` is
//! not a certificate, leaves the name unknown.

use std::collections::BTreeMap;

use crate::control::config::{ListenerTls, PoolRule};
use crate::dataplane::haproxy::config::Certificate;
use crate::k8s::certificate::common_name;
use crate::k8s::objects::{IngressTls, Spec};
use crate::k8s::store::StoredObject;

/// The host written for a `tls` entry without hosts.
const ALL: &str = "ALL";

/// The `tls_dict` of one Ingress: host (or `ALL`) → TLS container.
#[derive(Debug, Default)]
pub struct TlsHosts {
    containers: BTreeMap<String, String>,
    /// Every container, in the order the entries name them, each once.
    order: Vec<String>,
}

impl TlsHosts {
    pub fn of(namespace: &str, tls: &[IngressTls]) -> TlsHosts {
        let mut out = TlsHosts::default();
        for entry in tls {
            let Some(secret) = &entry.secret_name else {
                continue;
            };
            let container = format!("{namespace}__{secret}");
            let hosts: Vec<&str> = if entry.hosts.is_empty() {
                vec![ALL]
            } else {
                entry.hosts.iter().map(String::as_str).collect()
            };
            for host in hosts {
                out.containers.insert(host.to_string(), container.clone());
            }
            if !out.order.contains(&container) {
                out.order.push(container);
            }
        }
        out
    }

    /// The TLS of the 443 copy of a backend with pool annotations `rule`, if it gets one.
    pub fn listener_for(&self, rule: &PoolRule) -> Option<ListenerTls> {
        let all = self.containers.get(ALL);
        let (sni, default) = match rule {
            PoolRule::Acl { host, path, .. } => {
                match host.as_ref().and_then(|h| self.containers.get(h)) {
                    Some(c) => (Some(c), None),
                    None => (None, all.filter(|_| path.is_some())),
                }
            }
            PoolRule::Default => (None, all),
            PoolRule::Service => (None, None),
        };
        if sni.is_none() && default.is_none() {
            return None;
        }
        Some(ListenerTls {
            default_container: default.cloned(),
            sni_containers: sni.cloned().into_iter().collect(),
        })
    }

    /// Every container with its certificate's common name, read from `secrets` (keyed by
    /// `<namespace>__<name>`).
    pub fn certificates(&self, secrets: &BTreeMap<String, &StoredObject>) -> Vec<Certificate> {
        self.order
            .iter()
            .map(|container| Certificate {
                container: container.clone(),
                cn: secrets.get(container).and_then(|s| match &s.object.spec {
                    Spec::Secret(spec) => spec.data.get("tls.crt").and_then(|c| common_name(c)),
                    _ => None,
                }),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(hosts: &[&str], secret: Option<&str>) -> IngressTls {
        IngressTls {
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            secret_name: secret.map(str::to_string),
        }
    }

    fn acl(host: Option<&str>, path: Option<&str>) -> PoolRule {
        PoolRule::Acl {
            host: host.map(str::to_string),
            path: path.map(str::to_string),
            path_type: None,
        }
    }

    #[test]
    fn hosts_get_sni_containers_and_all_a_default_one() {
        let t = TlsHosts::of(
            "ns",
            &[
                tls(&["www.juniper.net"], Some("j")),
                tls(&[], Some("any")),
                tls(&["x"], None),
            ],
        );
        let sni = t
            .listener_for(&acl(Some("www.juniper.net"), Some("/dev")))
            .unwrap();
        assert_eq!(sni.sni_containers, ["ns__j"]);
        assert_eq!(sni.default_container, None);
        let other = t
            .listener_for(&acl(Some("www.cisco.com"), Some("/")))
            .unwrap();
        assert_eq!(other.default_container.as_deref(), Some("ns__any"));
        // Contrail's quirk: a rule path without `path` gets no 443 copy from `ALL`.
        assert_eq!(t.listener_for(&acl(Some("www.cisco.com"), None)), None);
        assert!(t.listener_for(&PoolRule::Default).is_some());
        assert_eq!(t.order, ["ns__j", "ns__any"]);
        let none = TlsHosts::of("ns", &[tls(&["a"], Some("s"))]);
        assert_eq!(none.listener_for(&PoolRule::Default), None);
        assert_eq!(none.listener_for(&acl(Some("b"), Some("/"))), None);
    }
}
