//! `scripts/sync-copies`: writes every copy the table of templates lists
//! (src/templates.rs) from its source, as a plain file. Run it after
//! editing a source (anything under wit/, wkg.lock, or a file other
//! templates carry); the tests fail, naming the file, while a copy differs.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = test_support::workspace_root();
    for template in test_support::TEMPLATES {
        for (copy, source) in template.copies {
            let copy = root.join(template.name).join(copy);
            std::fs::create_dir_all(copy.parent().unwrap_or(Path::new(".")))?;
            // Never through a link: a copy is a file of its own.
            if copy.symlink_metadata().is_ok() {
                std::fs::remove_file(&copy)?;
            }
            std::fs::copy(root.join(source), &copy)?;
        }
    }
    Ok(())
}
