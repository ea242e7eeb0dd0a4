//! The actions a key can ask for, each declared once; the enum, the list and the names and
//! descriptions are generated from those declarations.

use super::Context;

/// Declares every action once — variant, name in `keymap.toml`, description in the help, and
/// how the description reads in particular contexts — and derives from that one list the enum,
/// `Action::ALL`, the names both ways and the descriptions. A `macro_rules!` rather than
/// `strum`: the table is the whole need, and it keeps names and per-context wording together.
macro_rules! actions {
    ($(
        $variant:ident = $name:literal, $description:literal
            $({ $($context:ident: $wording:literal),+ $(,)? })?;
    )+) => {
        /// What a key asks the application to do. The app decides what each means in its
        /// context. Declaration order is the row order in the help overlay.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant,)+
        }

        impl Action {
            /// Every action, in declaration order; generated, so none can be left out.
            pub const ALL: [Action; [$($name),+].len()] = [$(Action::$variant),+];

            /// The stable snake_case name used in `keymap.toml`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)+
                }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name {
                    $($name => Some(Action::$variant),)+
                    _ => None,
                }
            }

            /// One line for the help overlay.
            pub fn description(self) -> &'static str {
                match self {
                    $(Action::$variant => $description,)+
                }
            }

            /// Contexts where the description reads differently.
            fn wordings(self) -> &'static [(Context, &'static str)] {
                match self {
                    $(Action::$variant => &[$($((Context::$context, $wording)),+)?],)+
                }
            }
        }
    };
}

actions! {
    Down = "down", "move down" { Thread: "scroll down" };
    Up = "up", "move up" { Thread: "scroll up" };
    First = "first", "go to the top" { Thread: "scroll to the oldest message" };
    Last = "last", "go to the bottom";
    PageDown = "page_down", "page down" { Thread: "scroll a page down" };
    PageUp = "page_up", "page up" { Thread: "scroll a page up" };
    JumpLatest = "jump_latest", "jump to the latest message";
    Open = "open", "open the conversation" { Filter: "keep the filter · search: open" };
    Back = "back", "go back" {
        Thread: "back to the list",
        Filter: "clear the filter · search: leave",
        Help: "close the help",
    };
    FocusNext = "focus_next", "switch between the list and the thread";
    NextNeedingHuman = "next_needing_human", "next conversation that needs a human";
    ViewNeedsYou = "view_needs_you", "view: needs you";
    ViewMine = "view_mine", "view: mine";
    ViewAll = "view_all", "view: all";
    ViewResolved = "view_resolved", "view: resolved";
    Filter = "filter", "filter the list";
    Compose = "compose", "write a reply";
    TakeOver = "take_over", "take over from the AI (manual mode)";
    HandBack = "hand_back", "hand back to the AI";
    Resolve = "resolve", "mark the conversation resolved";
    Undo = "undo", "undo the last resolve (a few seconds)";
    Editor = "edit_in_editor", "write the reply in $EDITOR";
    Copy = "copy", "copy the message to the clipboard";
    RestoreUnsent = "restore_unsent", "put an unsent reply back in the draft";
    Refresh = "refresh", "ask every account now";
    Acknowledge = "acknowledge", "acknowledge the alerts waiting";
    Mute = "mute", "mute alerts for a while";
    Accounts = "accounts", "every account's state and errors";
    Send = "send", "send the reply";
    NewLine = "new_line", "new line in the reply";
    LeaveCompose = "leave_compose", "leave the reply box";
    Yes = "yes", "yes, go ahead";
    No = "no", "no, cancel";
    Keep = "keep", "keep the conversations you hold, and quit";
    Review = "review", "review the conversations you still hold";
    Help = "help", "show or hide this help";
    Quit = "quit", "quit";
    ForceQuit = "force_quit", "quit now, from anywhere";
    // Points 2 and 5 (details panel; Chatvolt assign and priority).
    Details = "details", "the customer's details";
    Assign = "assign", "assign by email (Tab completes)";
    Priority = "priority", "set the priority (Chatvolt)";
    // Issue 13, point 1: snippets.
    Snippets = "snippets", "insert a snippet into the reply";
    // Point 3: notes.
    Note = "note", "write a note (never sent to the customer)";
    ToggleNote = "toggle_note", "switch the box between a reply and a note";
    // Issue 13, points 4 and 6: search and the message log.
    Search = "search", "search every conversation and message";
    MessageLog = "message_log", "every status-bar message, in full";
}

impl Action {
    /// The description as it reads in one context (e.g. `back` in the filter cancels it).
    pub fn description_in(self, context: Context) -> &'static str {
        self.wordings()
            .iter()
            .find(|(c, _)| *c == context)
            .map_or(self.description(), |&(_, wording)| wording)
    }
}
