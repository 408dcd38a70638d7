//! A Deployment's `spec`: its replicas, selector and pod template.

use super::{error, pod_spec, string_map};
use crate::diag::Diagnostics;
use crate::k8s::objects::{DeploymentSpec, Labels};
use crate::yaml::{Node, Value};

/// Largest `replicas` a Deployment may ask for.
pub const MAX_REPLICAS: u32 = 1_000;

const IGNORED_DEPLOYMENT_FIELDS: &[&str] = &[
    "minReadySeconds",
    "paused",
    "progressDeadlineSeconds",
    "revisionHistoryLimit",
    "strategy",
];

/// A Deployment's `spec`. When the selector was misplaced under `metadata` (already reported),
/// its absence here is not reported again.
pub fn deployment_spec(
    node: &Node,
    selector_misplaced: bool,
    diags: &mut Diagnostics,
) -> DeploymentSpec {
    let mut spec = DeploymentSpec {
        replicas: 1,
        ..Default::default()
    };
    let Some(mut m) = node.as_map("spec", diags) else {
        return spec;
    };
    if let Some(r) = m.take("replicas") {
        let max = i128::from(MAX_REPLICAS);
        match r.value {
            Value::Int(n) if n > max => diags.push(
                error(
                    r,
                    format!(
                        "`spec.replicas` is {n}; at most {MAX_REPLICAS} replicas are simulated"
                    ),
                )
                .with_hint("the simulator refuses work it cannot finish in reasonable time"),
            ),
            _ => {
                if let Some(n) = r.as_int("`spec.replicas`", 0, max, diags) {
                    spec.replicas = u32::try_from(n).unwrap_or(1);
                }
            }
        }
    }
    let selector_node = if selector_misplaced {
        m.take("selector")
    } else {
        m.require("selector", diags)
    };
    if let Some(sel) = selector_node
        && let Some(mut s) = sel.as_map("spec.selector", diags)
    {
        if let Some(ml) = s.take("matchLabels") {
            spec.selector = string_map(ml, "spec.selector.matchLabels", true, diags);
        }
        if let Some(me) = s.take("matchExpressions") {
            diags.push(
                error(me, "`matchExpressions` selectors are not supported")
                    .with_hint("use `matchLabels`"),
            );
        }
        s.finish(diags);
        if spec.selector.is_empty() {
            diags.push(
                error(sel, "a Deployment's `spec.selector` must not be empty").with_hint(
                    "add `matchLabels` with the labels of `spec.template.metadata.labels`",
                ),
            );
        }
    }
    let mut labels_node = None;
    if let Some(t) = m.require("template", diags)
        && let Some(mut tm) = t.as_map("spec.template", diags)
    {
        if let Some(meta) = tm.take("metadata")
            && let Some(mut mm) = meta.as_map("spec.template.metadata", diags)
        {
            if let Some(l) = mm.take("labels") {
                spec.template_labels = string_map(l, "spec.template.metadata.labels", true, diags);
                labels_node = Some(l);
            }
            if let Some(a) = mm.take("annotations") {
                string_map(a, "spec.template.metadata.annotations", false, diags);
            }
            mm.ignore(&["name", "namespace", "creationTimestamp", "generateName"]);
            mm.finish(diags);
        }
        if let Some(ps) = tm.require("spec", diags) {
            spec.template = pod_spec(ps, "spec.template.spec", diags);
        }
        tm.finish(diags);
    }
    if let Some(sel) = selector_node
        && !spec.selector.is_empty()
        && !spec
            .selector
            .iter()
            .all(|(k, v)| spec.template_labels.get(k) == Some(v))
    {
        let at = labels_node.unwrap_or(sel);
        diags.push(
            error(sel, "`spec.selector` does not match the template's labels (`spec.template.metadata.labels`)")
                .with_hint(format!(
                    "the selector {} must be a subset of the template labels {} (declared at line {})",
                    show_labels(&spec.selector),
                    show_labels(&spec.template_labels),
                    at.origin.line
                )),
        );
    }
    m.ignore(IGNORED_DEPLOYMENT_FIELDS);
    m.finish(diags);
    spec
}

fn show_labels(l: &Labels) -> String {
    let parts: Vec<String> = l.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", parts.join(", "))
}
