//! `wasi:config/store@0.2.0-rc.1`: a component reads its merged config map
//! (`workload.config` overlaid by the component's own `config`, then by its
//! resolved `environment`, `configs:` and `secrets:` included).

use std::collections::BTreeMap;

use wasmtime::component::{HasData, Linker};

use super::bindings::config_store::{self, Error, Host};

/// A component's configuration: what `wasi:config/store` hands it.
pub type ConfigMap = BTreeMap<String, String>;

/// What one instance's config calls reach: its component's config.
pub struct WasiConfig<'a>(pub &'a ConfigMap);

/// Names [`WasiConfig`] as the data the linker hands the interface.
struct HasWasiConfig;

impl HasData for HasWasiConfig {
    type Data<'a> = WasiConfig<'a>;
}

/// Links the interface; `view` finds an instance's [`WasiConfig`].
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    view: fn(&mut T) -> WasiConfig<'_>,
) -> wasmtime::Result<()> {
    config_store::add_to_linker::<T, HasWasiConfig>(linker, view)
}

impl Host for WasiConfig<'_> {
    fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<String>, Error>> {
        Ok(Ok(self.0.get(&key).cloned()))
    }

    fn get_all(&mut self) -> wasmtime::Result<Result<Vec<(String, String)>, Error>> {
        let all = self.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        Ok(Ok(all))
    }
}
