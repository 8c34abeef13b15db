//! Dotted paths into a scenario's JSON form: `services.maternity.tariff`,
//! `choice.beta_quality`, `providers.alder-hey-childrens.quality`.
//!
//! Objects are entered by key; arrays of objects with an `id` by that id
//! (`localities.E08000012-c.population`), other arrays by index. A sweep
//! parameter must name a leaf that exists in the scenario with its defaults
//! filled in, so a misspelt path is caught before anything runs, with the
//! nearest valid paths suggested.

use serde_json::Value;

/// The index of the element of `items` that `segment` names: by `id`, else
/// by index.
fn element(items: &[Value], segment: &str) -> Option<usize> {
    items
        .iter()
        .position(|v| v.get("id").and_then(Value::as_str) == Some(segment))
        .or_else(|| segment.parse::<usize>().ok().filter(|&i| i < items.len()))
}

/// The value at `path`, if every segment exists.
pub fn get_mut<'a>(root: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let at = pointer(root, path)?;
    root.pointer_mut(&at)
}

/// The JSON pointer (RFC 6901: keys and indices) of the value at `path`, if
/// every segment exists: where it is whatever ids a sweep later sets.
pub fn pointer(root: &Value, path: &str) -> Option<String> {
    let mut node = root;
    let mut out = String::new();
    for segment in path.split('.') {
        node = match node {
            Value::Object(map) => {
                out.push('/');
                out.push_str(&segment.replace('~', "~0").replace('/', "~1"));
                map.get(segment)?
            }
            Value::Array(items) => {
                let i = element(items, segment)?;
                out.push('/');
                out.push_str(&i.to_string());
                &items[i]
            }
            _ => return None,
        };
    }
    Some(out)
}

/// Whether `path` names a leaf (a number, string, boolean or null: a value
/// that can be set), not an object or array.
pub fn is_leaf(root: &Value, path: &str) -> bool {
    get(root, path).is_some_and(|v| !v.is_object() && !v.is_array())
}

/// The value at `path`, if every segment exists (read only).
pub fn get<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    root.pointer(&pointer(root, path)?)
}

/// Every settable leaf path below `root`.
pub fn leaves(root: &Value) -> Vec<String> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<String>) {
        let join = |k: &str| if prefix.is_empty() { k.to_owned() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    walk(child, &join(k), out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let key = child.get("id").and_then(Value::as_str).map_or_else(|| i.to_string(), str::to_owned);
                    walk(child, &join(&key), out);
                }
            }
            _ => out.push(prefix.to_owned()),
        }
    }
    let mut out = Vec::new();
    walk(root, "", &mut out);
    out
}

/// Up to `n` of `candidates` nearest to `path` by edit distance (ties by name).
pub fn nearest(path: &str, candidates: &[String], n: usize) -> Vec<String> {
    let mut scored: Vec<(usize, &String)> = candidates.iter().map(|c| (strsim::levenshtein(path, c), c)).collect();
    scored.sort();
    scored.into_iter().take(n).map(|(_, c)| c.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"services": {"maternity": {"tariff": 3700}}, "providers": [{"id": "a", "quality": 0.0}, {"id": "b", "quality": 1.0}], "list": [5, 6]})
    }

    #[test]
    fn paths_enter_objects_ids_and_indices() {
        let mut d = doc();
        *get_mut(&mut d, "services.maternity.tariff").expect("exists") = json!(4000);
        *get_mut(&mut d, "providers.b.quality").expect("by id") = json!(2.0);
        *get_mut(&mut d, "list.1").expect("by index") = json!(7);
        assert_eq!(d["services"]["maternity"]["tariff"], 4000);
        assert_eq!(d["providers"][1]["quality"], 2.0);
        assert_eq!(d["list"][1], 7);
        assert!(get_mut(&mut d, "services.maternity.price").is_none());
        assert!(!is_leaf(&d, "services.maternity"));
    }

    #[test]
    fn pointers_name_keys_and_indices_whatever_the_ids() {
        let mut d = doc();
        d["services"]["a/b~c"] = json!(1);
        assert_eq!(pointer(&d, "providers.b.quality").as_deref(), Some("/providers/1/quality"));
        assert_eq!(pointer(&d, "list.1").as_deref(), Some("/list/1"));
        assert_eq!(pointer(&d, "services.a/b~c").as_deref(), Some("/services/a~1b~0c"));
        assert_eq!(d.pointer("/services/a~1b~0c"), Some(&json!(1)));
        assert!(pointer(&d, "list.2").is_none() && pointer(&d, "providers.c.quality").is_none());
        // Found before provider b is renamed, the pointer still reaches it.
        let at = pointer(&d, "providers.b.quality").expect("exists");
        *get_mut(&mut d, "providers.b.id").expect("exists") = json!("renamed");
        assert_eq!(d.pointer(&at), Some(&json!(1.0)));
    }

    #[test]
    fn misspelt_paths_get_near_suggestions() {
        let all = leaves(&doc());
        assert!(all.contains(&"providers.a.quality".to_owned()));
        assert_eq!(nearest("services.maternity.tarif", &all, 1), ["services.maternity.tariff"]);
    }
}
