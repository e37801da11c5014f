//! A manifest file over the size cap is an error naming the file (issue 13).

use meshgraph_config::{LoadOptions, MANIFEST_MAX_BYTES, MeshConfig};

#[test]
fn a_manifest_over_the_cap_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.yaml");
    // Sparse: nothing is written, and nothing is read.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(MANIFEST_MAX_BYTES + 1).unwrap();
    let message = MeshConfig::load(std::slice::from_ref(&path), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(message.contains("huge.yaml"), "{message}");
    assert!(message.contains("256 MiB"), "{message}");
}

#[test]
fn in_a_folder_it_is_a_warning_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ok.yaml"),
        "kind: Namespace\napiVersion: v1\nmetadata: {name: a}\n",
    )
    .unwrap();
    let file = std::fs::File::create(dir.path().join("huge.yaml")).unwrap();
    file.set_len(MANIFEST_MAX_BYTES + 1).unwrap();
    let (_, warnings) =
        MeshConfig::load(&[dir.path().to_path_buf()], &LoadOptions::default()).unwrap();
    let text: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        text.iter()
            .any(|w| w.contains("huge.yaml") && w.contains("256 MiB")),
        "{text:?}"
    );
}
