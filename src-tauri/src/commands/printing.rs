//! The OS print system as the window sees it: its queues, for the printer
//! chooser. Printing itself is a command of the area whose paper it is
//! (`dossier_print`, `dossier_register_print`, `report_print`).

use bhxh_app::{ErrorInfo, PrinterLine};
use tauri::State;

use crate::state::DeskState;

/// The print queues, the default first.
#[tauri::command]
#[specta::specta]
pub async fn printers_list(state: State<'_, DeskState>) -> Result<Vec<PrinterLine>, ErrorInfo> {
    state.run(|d| d.printers()).await
}
