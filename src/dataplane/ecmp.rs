//! ECMP: one member of a composite next hop per flow, by the hash of its 5-tuple.

use crate::routing::RouteAttrs;
use crate::trace::Step;
use crate::wire::FlowKey;
use crate::world::Ctx;

/// The member of `paths` this flow takes; records the choice when there was one to make.
pub fn choose<'a>(
    paths: &'a [RouteAttrs],
    key: FlowKey,
    salt: u64,
    ctx: &mut Ctx,
) -> Option<&'a RouteAttrs> {
    if paths.len() <= 1 {
        return paths.first();
    }
    let hash = key.hash(salt);
    let chosen = hash as usize % paths.len();
    let path = paths.get(chosen)?;
    ctx.step(Step::Ecmp {
        hash,
        chosen: u16::try_from(chosen).unwrap_or(u16::MAX),
        of: u16::try_from(paths.len()).unwrap_or(u16::MAX),
        to: path.origin,
        label: path.label,
    });
    Some(path)
}
