//! The expected answers, computed from the CSVs the way
//! shared/bench/anchors/reference.py does (plain loops, no database), in the
//! normalised form of shared/bench/anchors/common.py `norm_result`.

use super::sha1::sha1_hex;
use serde_json::{json, Value as J};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::Path;

/// The parameters the queries need, from params.json.
#[derive(Debug, Clone)]
pub struct WorkParams {
    pub actors: u64,
    pub links: u64,
    pub q1_id: String,
    pub hub: String,
    pub mid: String,
    /// The 10 PAIRS then the 2 NOPATH pairs.
    pub pairs: Vec<(String, String)>,
}

impl WorkParams {
    pub fn load(data: &Path) -> Result<WorkParams, String> {
        let path = data.join("params.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let p: J = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        let s = |k: &str| -> Result<String, String> {
            p[k].as_str()
                .map(String::from)
                .ok_or_else(|| format!("params.json: missing string '{k}'"))
        };
        let mut pairs = Vec::new();
        for key in ["PAIRS", "NOPATH"] {
            let list = p[key]
                .as_array()
                .ok_or_else(|| format!("params.json: missing list '{key}'"))?;
            for x in list {
                match (x["from"].as_str(), x["to"].as_str()) {
                    (Some(f), Some(t)) => pairs.push((f.to_string(), t.to_string())),
                    _ => return Err(format!("params.json: bad entry in '{key}'")),
                }
            }
        }
        if pairs.is_empty() {
            return Err("params.json: no PAIRS".into());
        }
        Ok(WorkParams {
            actors: p["actors"].as_u64().unwrap_or(0),
            links: p["links"].as_u64().unwrap_or(0),
            q1_id: s("Q1_ID")?,
            hub: s("HUB")?,
            mid: s("MID")?,
            pairs,
        })
    }

    pub fn scale(&self) -> String {
        format!("{}/{}", self.actors, self.links)
    }
}

/// `json.dumps(s)` of Python (ensure_ascii, default escapes).
pub fn py_json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Q2's comparable form: row count, first name, 12 hex digits of the sha1 of
/// the JSON-encoded names joined by newlines.
pub fn q2_digest(names: &[String]) -> J {
    let joined: Vec<String> = names.iter().map(|n| py_json_str(n)).collect();
    let sha = sha1_hex(joined.join("\n").as_bytes());
    json!({"n": names.len(), "first": names.first(), "sha": &sha[..12]})
}

struct Link {
    src: u32,
    dst: u32,
    supplies: bool,
    category: String,
    value: i64,
    confidence: f64,
}

/// Expected normalised results for Q1..Q8, keyed by query name.
pub fn compute(data: &Path, p: &WorkParams) -> Result<BTreeMap<String, J>, String> {
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut ids: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let path = data.join("actors.csv");
    let mut rdr = csv::Reader::from_path(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let h = rdr.headers().map_err(|e| e.to_string())?.clone();
    let col = |h: &csv::StringRecord, n: &str| {
        h.iter()
            .position(|x| x == n)
            .ok_or_else(|| format!("missing column {n}"))
    };
    let (ci, cn) = (col(&h, "id")?, col(&h, "name")?);
    for r in rdr.records() {
        let r = r.map_err(|e| e.to_string())?;
        index.insert(r[ci].to_string(), ids.len() as u32);
        ids.push(r[ci].to_string());
        names.push(r[cn].to_string());
    }
    let path = data.join("links.csv");
    let mut rdr = csv::Reader::from_path(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let h = rdr.headers().map_err(|e| e.to_string())?.clone();
    let (cs, cd, ct, cc, cv, cf) = (
        col(&h, "src")?,
        col(&h, "dst")?,
        col(&h, "type")?,
        col(&h, "category")?,
        col(&h, "value")?,
        col(&h, "confidence")?,
    );
    let actor = |key: &str| {
        index
            .get(key)
            .copied()
            .ok_or_else(|| format!("unknown actor '{key}'"))
    };
    let mut links: Vec<Link> = Vec::new();
    for r in rdr.records() {
        let r = r.map_err(|e| e.to_string())?;
        links.push(Link {
            src: actor(&r[cs])?,
            dst: actor(&r[cd])?,
            supplies: &r[ct] == "SUPPLIES",
            category: r[cc].to_string(),
            value: r[cv].parse().map_err(|e| format!("value: {e}"))?,
            confidence: r[cf].parse().map_err(|e| format!("confidence: {e}"))?,
        });
    }
    let n = ids.len();
    // src -> [link index]
    let mut out_all: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (i, l) in links.iter().enumerate() {
        out_all[l.src as usize].push(i as u32);
    }
    let out_sup = |a: u32| {
        out_all[a as usize]
            .iter()
            .map(|&i| &links[i as usize])
            .filter(|l| l.supplies)
            .map(|l| l.dst)
    };
    let mut res = BTreeMap::new();

    let q1 = actor(&p.q1_id)?;
    res.insert(
        "Q1".into(),
        json!([names[q1 as usize], out_all[q1 as usize].len()]),
    );

    let hub = actor(&p.hub)?;
    let mut q2: Vec<String> = links
        .iter()
        .filter(|l| l.dst == hub && l.supplies && l.category == "ammunition")
        .map(|l| names[l.src as usize].clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    q2.sort();
    q2.truncate(100);
    res.insert("Q2".into(), q2_digest(&q2));

    let mid = actor(&p.mid)?;
    let q3: HashSet<u32> = out_sup(mid).flat_map(out_sup).collect();
    res.insert("Q3".into(), json!(q3.len()));

    let mut seen: HashSet<u32> = HashSet::new();
    let mut frontier: HashSet<u32> = HashSet::from([mid]);
    for _ in 0..3 {
        frontier = frontier
            .iter()
            .flat_map(|&x| out_all[x as usize].iter().map(|&i| links[i as usize].dst))
            .collect();
        seen.extend(&frontier);
    }
    res.insert("Q4".into(), json!(seen.len()));

    let mut q5 = Vec::new();
    for (f, t) in &p.pairs {
        let (f, t) = (actor(f)?, actor(t)?);
        let mut dist: Vec<u32> = vec![u32::MAX; n];
        let mut queue = VecDeque::from([f]);
        dist[f as usize] = 0;
        let mut found = J::Null;
        'bfs: while let Some(x) = queue.pop_front() {
            let dx = dist[x as usize];
            if dx >= 30 {
                break;
            }
            for &i in &out_all[x as usize] {
                let d = links[i as usize].dst;
                if d == t {
                    found = json!(dx + 1);
                    break 'bfs;
                }
                if dist[d as usize] == u32::MAX {
                    dist[d as usize] = dx + 1;
                    queue.push_back(d);
                }
            }
        }
        q5.push(found);
    }
    res.insert("Q5".into(), J::Array(q5));

    let mut agg: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for l in links.iter().filter(|l| l.supplies) {
        let e = agg.entry(&l.category).or_default();
        e.0 += l.value;
        e.1 += 1;
    }
    res.insert(
        "Q6".into(),
        J::Array(agg.iter().map(|(c, (s, k))| json!([c, s, k])).collect()),
    );

    let mut sup: HashMap<u32, HashSet<u32>> = HashMap::new();
    for l in links.iter().filter(|l| l.supplies && l.confidence >= 0.5) {
        sup.entry(l.dst).or_default().insert(l.src);
    }
    let mut q7: Vec<(&str, usize)> = sup
        .iter()
        .map(|(d, s)| (ids[*d as usize].as_str(), s.len()))
        .collect();
    q7.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    q7.truncate(10);
    res.insert(
        "Q7".into(),
        J::Array(q7.iter().map(|(i, k)| json!([i, k])).collect()),
    );

    let (f, t) = (actor(&p.pairs[0].0)?, actor(&p.pairs[0].1)?);
    fn count(node: u32, t: u32, used: &mut Vec<u32>, out_all: &[Vec<u32>], links: &[Link]) -> u64 {
        let mut n = 0;
        for &i in &out_all[node as usize] {
            let l = &links[i as usize];
            if l.confidence < 0.5 || used.contains(&i) {
                continue;
            }
            if l.dst == t {
                n += 1;
            }
            if used.len() < 2 {
                used.push(i);
                n += count(l.dst, t, used, out_all, links);
                used.pop();
            }
        }
        n
    }
    res.insert(
        "Q8".into(),
        json!(count(f, t, &mut Vec::new(), &out_all, &links)),
    );
    Ok(res)
}
