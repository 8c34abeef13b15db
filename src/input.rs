//! Reading what users give: regular files only, of a bounded size, and JSON
//! whose objects are objects.
//!
//! A path to `/dev/zero` or a pipe that never ends would be read until
//! memory runs out, so inputs must be regular files no larger than a limit
//! (checked before reading, and enforced while reading). serde reads a JSON
//! array in place of a struct by position (`"position": [10, 0]` as
//! x = 10, y = 0), which hides mistakes; [`object_shape`] finds such places
//! by comparing the input with the value read back out.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

/// Largest JSON input (a scenario, a sweep spec, a run's output): 256 MiB.
pub const MAX_JSON_BYTES: u64 = 256 << 20;
/// Largest CSV input to `scenario build`: 1 GiB.
pub const MAX_CSV_BYTES: u64 = 1 << 30;

/// Checks that `path` is a regular file (after links) of at most `max` bytes.
pub fn check_file(path: &Path, max: u64) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            "is a directory; expected a file".into()
        } else {
            "is not a regular file (a device, pipe or socket); expected a file".into()
        });
    }
    if meta.len() > max {
        return Err(format!("is {} bytes, more than the {} bytes ccsim reads from one input", meta.len(), max));
    }
    Ok(())
}

/// Reads a regular file of at most `max` bytes as UTF-8 text.
pub fn read_text(path: &Path, max: u64) -> Result<String, String> {
    check_file(path, max)?;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut text = String::new();
    // The file may grow after the check: read no more than the limit allows.
    file.take(max + 1).read_to_string(&mut text).map_err(|e| format!("cannot read: {e}"))?;
    if text.len() as u64 > max {
        return Err(format!("is more than the {max} bytes ccsim reads from one input"));
    }
    Ok(text)
}

/// The first place (a field path like `localities[0].age_mix`) where the
/// input has an array but the value read from it is an object: a struct
/// written as an array, which serde would have read by position.
pub fn object_shape(input: &Value, read: &Value) -> Option<String> {
    fn walk(input: &Value, read: &Value, path: &mut String) -> bool {
        match (input, read) {
            (Value::Array(_), Value::Object(_)) => true,
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in a {
                    if let Some(w) = b.get(k) {
                        let len = path.len();
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(k);
                        if walk(v, w, path) {
                            return true;
                        }
                        path.truncate(len);
                    }
                }
                false
            }
            (Value::Array(a), Value::Array(b)) => {
                for (i, (v, w)) in a.iter().zip(b).enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    if walk(v, w, path) {
                        return true;
                    }
                    path.truncate(len);
                }
                false
            }
            _ => false,
        }
    }
    let mut path = String::new();
    walk(input, read, &mut path).then(|| if path.is_empty() { ".".to_owned() } else { path })
}

/// Parses `text` as a `T`, with the field path of any error, and refuses
/// arrays written where objects are meant. The error is `(path, message)`.
pub fn parse_json<T>(text: &str) -> Result<T, (String, String)>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let de = &mut serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        (path, e.into_inner().to_string())
    })?;
    let input: Value = serde_json::from_str(text).map_err(|e| (".".to_owned(), e.to_string()))?;
    let read = serde_json::to_value(&value).map_err(|e| (".".to_owned(), e.to_string()))?;
    if let Some(path) = object_shape(&input, &read) {
        return Err((
            path,
            "expected an object with named fields, found an array (fields are never read by position)".into(),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_array_in_place_of_an_object_is_found_with_its_path() {
        let input = json!({"localities": [{"id": "a", "position": [10, 0]}]});
        let read = json!({"localities": [{"id": "a", "position": {"x": 10, "y": 0}}]});
        assert_eq!(object_shape(&input, &read).as_deref(), Some("localities[0].position"));
        assert_eq!(object_shape(&read, &read), None);
    }

    #[test]
    fn devices_and_directories_are_not_inputs() {
        assert!(read_text(Path::new("/dev/zero"), 1000).expect_err("device").contains("not a regular file"));
        assert!(read_text(Path::new("/"), 1000).expect_err("dir").contains("directory"));
        let t = tempfile::NamedTempFile::new().expect("temp");
        std::fs::write(t.path(), "x".repeat(2000)).expect("write");
        assert!(read_text(t.path(), 1000).expect_err("too big").contains("2000 bytes"));
    }
}
