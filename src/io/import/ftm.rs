//! FollowTheMoney entities (JSON lines, as OpenSanctions and Aleph publish
//! them). An entity whose schema has an edge and names both its ends becomes
//! a link per (source, target) pair; a Sanction becomes a `SANCTIONS` link
//! from each authority (an `:Authority` actor) to the sanctioned entity;
//! every other entity becomes an actor. Two passes over the files: actors
//! first, so that links can name entities from any line of any file.

use super::ftm_schema::{self, EdgeDef, Kind, SchemaDef};
use super::load::{Load, Meter};
use super::{field_error, file_len, import_error};
use crate::error::Error;
use crate::io::format::count;
use crate::store::catalog::NameKind;
use crate::store::graph::Graph;
use crate::value::{Date, Estimate, NodeId, Value};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Entity {
    id: String,
    schema: String,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    properties: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    datasets: Vec<String>,
    #[serde(default)]
    referents: Vec<String>,
    #[serde(default)]
    target: Option<bool>,
    #[serde(default)]
    first_seen: Option<String>,
    #[serde(default)]
    last_seen: Option<String>,
    #[serde(default)]
    last_change: Option<String>,
}

/// What an entity becomes.
enum Role {
    Actor,
    Edge(EdgeDef),
    Sanction,
}

/// The properties whose values are names: together they are `aliases`.
const NAME_PROPS: [&str; 4] = ["name", "alias", "previousName", "weakAlias"];

fn role(e: &Entity, def: Option<&SchemaDef>) -> Role {
    let has = |p: &str| e.properties.get(p).is_some_and(|v| !v.is_empty());
    match def {
        Some(d) => match d.edge {
            Some(edge) if has(edge.source) && has(edge.target) => Role::Edge(edge),
            _ if d.name == "Sanction" && has("entity") => Role::Sanction,
            _ => Role::Actor,
        },
        None => Role::Actor,
    }
}

/// Counts for the summary, and references that found no entity.
#[derive(Default)]
struct Report {
    entities: u64,
    actors: u64,
    links: u64,
    authorities: u64,
    stubs: u64,
    unknown_schemata: BTreeMap<String, u64>,
    /// Property → references to ids found nowhere.
    unresolved: BTreeMap<String, u64>,
    examples: Vec<String>,
    /// Property → values kept as text because they were not dates/numbers.
    as_text: BTreeMap<String, u64>,
}

struct Ctx<'a> {
    graph: &'a Graph,
    create_missing: bool,
    report: Report,
    /// Ids of entities that became links (a reference to one finds no actor).
    link_ids: HashSet<String>,
}

impl Ctx<'_> {
    fn key(&self, load: &mut Load, name: &str) -> u32 {
        load.key(self.graph, name)
    }
}

/// Loads FtM files into `load`; references to entities in neither the files
/// nor the database are counted in the summary (or, with `create_missing`,
/// become stub actors labelled by the schema the reference expects).
pub(super) fn load(
    graph: &Graph,
    load: &mut Load,
    paths: &[PathBuf],
    create_missing: bool,
    meter: &mut Meter<'_>,
) -> Result<(), Error> {
    let mut cx = Ctx {
        graph,
        create_missing,
        report: Report::default(),
        link_ids: HashSet::new(),
    };
    for path in paths {
        each_entity(path, meter, |line, e| {
            cx.report.entities += 1;
            let def = ftm_schema::schema(&e.schema);
            if def.is_none() {
                *cx.report
                    .unknown_schemata
                    .entry(e.schema.clone())
                    .or_default() += 1;
            }
            match role(&e, def) {
                Role::Actor => add_actor(&mut cx, load, &e, def)
                    .map(|_| ())
                    .map_err(|m| field_error(path, line, "id", m)),
                _ => {
                    cx.link_ids.insert(e.id);
                    Ok(())
                }
            }
        })?;
    }
    load.flush_nodes(graph)?;
    for path in paths {
        each_entity(path, meter, |line, e| {
            let def = ftm_schema::schema(&e.schema);
            match role(&e, def) {
                Role::Actor => actor_refs(&mut cx, load, &e, def),
                Role::Edge(edge) => add_edge(&mut cx, load, &e, def, edge),
                Role::Sanction => add_sanction(&mut cx, load, &e, def),
            }
            .map_err(|err| import_error(path, line, None, err.message))
        })?;
    }
    load.flush_nodes(graph)?;
    summarise(load, paths, cx.report);
    Ok(())
}

/// Calls `f` with every entity of a file and its line; a line that is not
/// an entity is an error at that line.
fn each_entity(
    path: &Path,
    meter: &mut Meter<'_>,
    mut f: impl FnMut(u64, Entity) -> Result<(), Error>,
) -> Result<(), Error> {
    let file = std::fs::File::open(path)
        .map_err(|e| import_error(path, 0, None, format!("cannot read file: {e}")))?;
    let mut reader = std::io::BufReader::new(file);
    let mut buf = String::new();
    let (mut line, mut bytes) = (0u64, 0u64);
    loop {
        buf.clear();
        line += 1;
        let n = reader.read_line(&mut buf).map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::InvalidData {
                "line is not valid UTF-8".to_string()
            } else {
                format!("cannot read file: {e}")
            };
            import_error(path, line, None, why)
        })?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        let text = buf.trim().trim_start_matches('\u{feff}');
        if text.is_empty() {
            continue;
        }
        let entity: Entity = serde_json::from_str(text).map_err(|e| {
            import_error(
                path,
                line,
                None,
                format!(
                    "not a FollowTheMoney entity (JSON object with id, schema, properties): {e}"
                ),
            )
        })?;
        if entity.id.is_empty() {
            return Err(field_error(path, line, "id", "empty entity id"));
        }
        f(line, entity)?;
        if line.is_multiple_of(1024) {
            meter.at(bytes);
        }
    }
    meter.passed(file_len(path));
    Ok(())
}

fn add_actor(
    cx: &mut Ctx<'_>,
    load: &mut Load,
    e: &Entity,
    def: Option<&SchemaDef>,
) -> Result<NodeId, String> {
    let labels: Vec<u32> = match def {
        Some(d) => d
            .labels
            .iter()
            .map(|l| load.name(cx.graph, NameKind::Label, l))
            .collect(),
        None => vec![load.name(cx.graph, NameKind::Label, &e.schema)],
    };
    let names: Vec<&String> = NAME_PROPS
        .iter()
        .filter_map(|p| e.properties.get(*p))
        .flatten()
        .collect();
    let name = e
        .caption
        .as_ref()
        .filter(|c| !c.is_empty())
        .or(names.first().copied())
        .unwrap_or(&e.id)
        .clone();
    let mut aliases: Vec<Value> = Vec::new();
    for n in names {
        let v = Value::String(n.clone());
        if *n != name && !aliases.contains(&v) {
            aliases.push(v);
        }
    }
    let mut props = vec![
        (load.id_key, Value::String(e.id.clone())),
        (cx.key(load, "name"), Value::String(name)),
        (cx.key(load, "schema"), Value::String(e.schema.clone())),
    ];
    if !aliases.is_empty() {
        props.push((cx.key(load, "aliases"), Value::List(aliases)));
    }
    entity_props(cx, load, e, def, &["name"], &mut props);
    cx.report.actors += 1;
    load.add_node(cx.graph, Some(&e.id), labels, props)
}

/// The entity's own properties (lists, typed by the schema) and its
/// metadata, after those already in `props`; `skip` are left out.
fn entity_props(
    cx: &mut Ctx<'_>,
    load: &mut Load,
    e: &Entity,
    def: Option<&SchemaDef>,
    skip: &[&str],
    props: &mut Vec<(u32, Value)>,
) {
    let push = |props: &mut Vec<(u32, Value)>, key: u32, v: Value| {
        if !props.iter().any(|(k, _)| *k == key) {
            props.push((key, v));
        }
    };
    for (name, values) in &e.properties {
        if values.is_empty() || skip.contains(&name.as_str()) {
            continue;
        }
        let kind = def.and_then(|d| d.kind(name));
        let (v, text) = convert(kind, values);
        if text {
            *cx.report.as_text.entry(name.clone()).or_default() += 1;
        }
        let key = cx.key(load, name);
        push(props, key, v);
    }
    let strings = |v: &[String]| Value::List(v.iter().cloned().map(Value::String).collect());
    if !e.datasets.is_empty() {
        let key = cx.key(load, "datasets");
        push(props, key, strings(&e.datasets));
    }
    if !e.referents.is_empty() {
        let key = cx.key(load, "referents");
        push(props, key, strings(&e.referents));
    }
    if let Some(t) = e.target {
        let key = cx.key(load, "target");
        push(props, key, Value::Bool(t));
    }
    for (name, v) in [
        ("first_seen", &e.first_seen),
        ("last_seen", &e.last_seen),
        ("last_change", &e.last_change),
    ] {
        if let Some(v) = v {
            let key = cx.key(load, name);
            push(props, key, Value::String(v.clone()));
        }
    }
}

/// A property's values as a list typed by its kind; `true` when values of a
/// date or number property did not all read as such and stay text.
fn convert(kind: Option<Kind>, values: &[String]) -> (Value, bool) {
    let text = || Value::List(values.iter().cloned().map(Value::String).collect());
    match kind {
        Some(Kind::Date) => match values
            .iter()
            .map(|v| ftm_date(v))
            .collect::<Option<Vec<_>>>()
        {
            Some(dates) => (
                Value::List(dates.into_iter().map(Value::Date).collect()),
                false,
            ),
            None => (text(), true),
        },
        Some(Kind::Number) => match values.iter().map(|v| number(v)).collect::<Option<Vec<_>>>() {
            Some(ns) => (Value::List(ns), false),
            None => (text(), true),
        },
        _ => (text(), false),
    }
}

/// FtM dates are `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or a date and time (the
/// time is dropped: links are valid by the day).
fn ftm_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let day = match s.get(..10) {
        Some(d) if s.len() > 10 && matches!(s.as_bytes()[10], b'T' | b' ') => d,
        _ => s,
    };
    Date::parse(day)
}

fn number(s: &str) -> Option<Value> {
    let s = s.trim();
    if let Ok(i) = s.parse::<i64>() {
        return Some(Value::Int(i));
    }
    if s.bytes()
        .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
    {
        return None;
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Value::Float)
}

/// Links from an actor to the entities its entity-valued properties name
/// (`addressEntity` → `ADDRESS_ENTITY`, `holder` → `HOLDER`).
fn actor_refs(
    cx: &mut Ctx<'_>,
    load: &mut Load,
    e: &Entity,
    def: Option<&SchemaDef>,
) -> Result<(), Error> {
    let Some(def) = def else { return Ok(()) };
    let Some(from) = load.find(cx.graph, &e.id)? else {
        return Ok(());
    };
    for (prop, values) in &e.properties {
        let Some(Kind::Entity(range)) = def.kind(prop) else {
            continue;
        };
        let link_type = load.name(cx.graph, NameKind::Type, &const_case(prop));
        for target in values {
            if let Some(to) = resolve(cx, load, e, prop, target, range)? {
                let props = vec![(cx.key(load, "schema"), Value::String(e.schema.clone()))];
                load.add_link(cx.graph, link_type, from, to, props)?;
                cx.report.links += 1;
            }
        }
    }
    Ok(())
}

fn add_edge(
    cx: &mut Ctx<'_>,
    load: &mut Load,
    e: &Entity,
    def: Option<&SchemaDef>,
    edge: EdgeDef,
) -> Result<(), Error> {
    let range = |p: &str| match def.and_then(|d| d.kind(p)) {
        Some(Kind::Entity(r)) => r,
        _ => "Thing",
    };
    let sources = ends(cx, load, e, edge.source, range(edge.source))?;
    let targets = ends(cx, load, e, edge.target, range(edge.target))?;
    let props = link_props(cx, load, e, def, &[edge.source, edge.target]);
    let link_type = load.name(cx.graph, NameKind::Type, edge.link_type);
    for &s in &sources {
        for &t in &targets {
            load.add_link(cx.graph, link_type, s, t, props.clone())?;
            cx.report.links += 1;
        }
    }
    Ok(())
}

/// A Sanction: a link from each authority named (an `:Authority` actor,
/// created once per name) to each sanctioned entity.
fn add_sanction(
    cx: &mut Ctx<'_>,
    load: &mut Load,
    e: &Entity,
    def: Option<&SchemaDef>,
) -> Result<(), Error> {
    let targets = ends(cx, load, e, "entity", "Thing")?;
    let mut authorities: Vec<String> = e
        .properties
        .get("authority")
        .map(|v| v.iter().filter(|a| !a.trim().is_empty()).cloned().collect())
        .unwrap_or_default();
    if authorities.is_empty() {
        authorities.push("unknown authority".into());
    }
    let props = link_props(cx, load, e, def, &["entity"]);
    let link_type = load.name(cx.graph, NameKind::Type, "SANCTIONS");
    for name in &authorities {
        let key = format!("authority:{name}");
        let from = match load.find(cx.graph, &key)? {
            Some(n) => n,
            None => {
                let label = load.name(cx.graph, NameKind::Label, "Authority");
                let props = vec![
                    (load.id_key, Value::String(key.clone())),
                    (cx.key(load, "name"), Value::String(name.clone())),
                ];
                cx.report.authorities += 1;
                load.add_node(cx.graph, Some(&key), vec![label], props)
                    .map_err(crate::error::Error::storage)?
            }
        };
        for &t in &targets {
            load.add_link(cx.graph, link_type, from, t, props.clone())?;
            cx.report.links += 1;
        }
    }
    Ok(())
}

/// The link's properties: `id`, `schema`, validity (`since` from the
/// earliest `startDate`, else `date`; `until` from the latest `endDate`),
/// `share` for an Ownership's percentage, then the entity's own.
fn link_props(
    cx: &mut Ctx<'_>,
    load: &mut Load,
    e: &Entity,
    def: Option<&SchemaDef>,
    skip: &[&str],
) -> Vec<(u32, Value)> {
    let mut props = vec![
        (load.id_key, Value::String(e.id.clone())),
        (cx.key(load, "schema"), Value::String(e.schema.clone())),
    ];
    let dates = |p: &str| -> Vec<Date> {
        e.properties
            .get(p)
            .map(|v| v.iter().filter_map(|s| ftm_date(s)).collect())
            .unwrap_or_default()
    };
    let mut starts = dates("startDate");
    if starts.is_empty() {
        starts = dates("date");
    }
    let lo = |d: &Date| (d.year, d.month.unwrap_or(0), d.day.unwrap_or(0));
    let hi = |d: &Date| (d.year, d.month.unwrap_or(13), d.day.unwrap_or(32));
    if let Some(since) = starts.iter().min_by_key(|d| lo(d)) {
        props.push((cx.key(load, "since"), Value::Date(*since)));
    }
    if let Some(until) = dates("endDate").iter().max_by_key(|d| hi(d)) {
        props.push((cx.key(load, "until"), Value::Date(*until)));
    }
    if let Some(share) = share(e) {
        props.push((cx.key(load, "share"), share));
    }
    entity_props(cx, load, e, def, skip, &mut props);
    props
}

/// An Ownership's `percentage` as a fraction: one value a number, several
/// an estimate spanning them.
fn share(e: &Entity) -> Option<Value> {
    if e.schema != "Ownership" {
        return None;
    }
    let ps: Vec<f64> = e
        .properties
        .get("percentage")?
        .iter()
        .filter_map(|p| number(p).and_then(|v| v.as_f64()))
        .map(|p| p / 100.0)
        .collect();
    let lo = ps.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match ps.len() {
        0 => None,
        _ if lo == hi => Some(Value::Float(lo)),
        _ => Some(Value::Estimate(Estimate { lo, hi })),
    }
}

/// The actors an end property names; unresolved ids are reported (or stubs).
fn ends(
    cx: &mut Ctx<'_>,
    load: &mut Load,
    e: &Entity,
    prop: &str,
    range: &str,
) -> Result<Vec<NodeId>, Error> {
    let mut out = Vec::new();
    for id in e.properties.get(prop).into_iter().flatten() {
        if let Some(n) = resolve(cx, load, e, prop, id, range)? {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    Ok(out)
}

fn resolve(
    cx: &mut Ctx<'_>,
    load: &mut Load,
    e: &Entity,
    prop: &str,
    id: &str,
    range: &str,
) -> Result<Option<NodeId>, Error> {
    if let Some(n) = load.find(cx.graph, id)? {
        return Ok(Some(n));
    }
    if cx.create_missing && !id.is_empty() && !cx.link_ids.contains(id) {
        let labels: Vec<u32> = match ftm_schema::schema(range) {
            Some(d) => d
                .labels
                .iter()
                .map(|l| load.name(cx.graph, NameKind::Label, l))
                .collect(),
            None => vec![load.name(cx.graph, NameKind::Label, range)],
        };
        let props = vec![
            (load.id_key, Value::String(id.to_string())),
            (cx.key(load, "stub"), Value::Bool(true)),
        ];
        cx.report.stubs += 1;
        let n = load
            .add_node(cx.graph, Some(id), labels, props)
            .map_err(Error::storage)?;
        return Ok(Some(n));
    }
    *cx.report.unresolved.entry(prop.to_string()).or_default() += 1;
    if cx.report.examples.len() < 3 {
        let what = if cx.link_ids.contains(id) {
            " (an entity that became a link)"
        } else {
            ""
        };
        cx.report
            .examples
            .push(format!("'{id}'{what} from {} {}.{prop}", e.schema, e.id));
    }
    Ok(None)
}

/// `addressEntity` → `ADDRESS_ENTITY`.
fn const_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_uppercase());
    }
    out
}

fn summarise(load: &mut Load, paths: &[PathBuf], r: Report) {
    let files: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let files = files.join(", ");
    let mut line = format!(
        "{files}: {}: {}, {}",
        count(r.entities, "entity", "entities"),
        count(r.actors, "actor", "actors"),
        count(r.links, "link", "links")
    );
    if r.authorities > 0 {
        line += &format!(
            ", {}",
            count(
                r.authorities,
                "sanction authority (actor)",
                "sanction authorities (actors)"
            )
        );
    }
    if r.stubs > 0 {
        line += &format!(
            ", {} for entities not in the input",
            count(r.stubs, "stub actor", "stub actors")
        );
    }
    load.summary.notes.push(line);
    let missing: u64 = r.unresolved.values().sum();
    if missing > 0 {
        let by: Vec<String> = r
            .unresolved
            .iter()
            .map(|(p, n)| format!("{p} {n}"))
            .collect();
        load.summary.notes.push(format!(
            "{} not in the input, so no link made ({}); e.g. {}; \
             --create-missing-actors makes stub actors for them",
            count(missing, "reference to an entity", "references to entities"),
            by.join(", "),
            r.examples.join("; ")
        ));
    }
    if !r.unknown_schemata.is_empty() {
        let s: Vec<String> = r
            .unknown_schemata
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        load.summary.notes.push(format!(
            "schemata this importer does not know, imported as actors with text properties: {}",
            s.join(", ")
        ));
    }
    if !r.as_text.is_empty() {
        let s: Vec<String> = r.as_text.iter().map(|(k, n)| format!("{k} {n}")).collect();
        load.summary.notes.push(format!(
            "date or number properties kept as text because a value did not read as one: {}",
            s.join(", ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_convert_as_documented() {
        assert_eq!(const_case("addressEntity"), "ADDRESS_ENTITY");
        assert_eq!(const_case("holder"), "HOLDER");
        assert_eq!(ftm_date("2005-09-16T12:00:00"), Date::parse("2005-09-16"));
        assert_eq!(ftm_date("2005-09"), Date::parse("2005-09"));
        assert_eq!(ftm_date("16.09.2005"), None);
        let (v, text) = convert(Some(Kind::Number), &["51".into(), "6401.77".into()]);
        assert_eq!(v, Value::List(vec![Value::Int(51), Value::Float(6401.77)]));
        assert!(!text);
        let (v, text) = convert(Some(Kind::Date), &["2020".into(), "soon".into()]);
        assert!(text);
        assert_eq!(
            v,
            Value::List(vec![
                Value::String("2020".into()),
                Value::String("soon".into())
            ])
        );
        // A name containing ';' is one value: lists come from JSON as lists.
        let (v, _) = convert(None, &["A; B".into()]);
        assert_eq!(v, Value::List(vec![Value::String("A; B".into())]));
    }
}
