//! `wasi:config/store@0.2.0-rc.1`: a component reads its merged config map
//! (`workload.config` overlaid by the component's own `config`).

use crate::bindings::config_store::{Error, Host};
use crate::state::ComponentState;

impl Host for ComponentState {
    fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<String>, Error>> {
        Ok(Ok(self.component.config.get(&key).cloned()))
    }

    fn get_all(&mut self) -> wasmtime::Result<Result<Vec<(String, String)>, Error>> {
        let all = self
            .component
            .config
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        Ok(Ok(all))
    }
}
