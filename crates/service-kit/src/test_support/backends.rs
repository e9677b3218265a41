//! [`crate::for_each_backend!`]: one macro for the suites that run every
//! check on SQLite and on PostgreSQL.

/// Runs each check once per backend, each as its own test in a module named
/// after the backend, so `cargo test postgres::` or `cargo test sqlite::`
/// selects one.
///
/// ```ignore
/// storefront_service_kit::for_each_backend! {
///     sqlite => Backend::sqlite(),
///     postgres => Backend::postgres();
///     concurrent_reservations_never_oversell,
///     the_same_key_reserves_once,
/// }
/// ```
///
/// Each check is `async fn name(backend: B)`; each backend's expression gives
/// `Option<B>`, `None` when that backend cannot run here (a PostgreSQL
/// test skips with a notice, or fails when it is required). A check written
/// `name = check(args…)` is a test `name` that calls `check(backend, args…)`,
/// for one check run in several variants (say, each process as the victim
/// of a crash). The tests run under `#[tokio::test]`; a suite that needs
/// another runtime names the attribute first, e.g.
/// `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]`.
#[macro_export]
macro_rules! for_each_backend {
    (
        #[$test:meta]
        $($backend:ident => $make:expr),+ ;
        $($name:ident $(= $check:ident ($($arg:expr),*))?),+ $(,)?
    ) => {
        // The checks travel as one token tree, so each backend's module can
        // repeat all of them.
        $crate::for_each_backend!(
            @backends ($test)
            [$( ($name $(= $check ($($arg),*))?) )+]
            $($backend => ($make))+
        );
    };
    (
        $($backend:ident => $make:expr),+ ;
        $($name:ident $(= $check:ident ($($arg:expr),*))?),+ $(,)?
    ) => {
        $crate::for_each_backend!(
            #[tokio::test]
            $($backend => $make),+ ;
            $($name $(= $check ($($arg),*))?),+
        );
    };
    (@backends $test:tt $checks:tt $($backend:ident => $make:tt)+) => {
        $(
            mod $backend {
                #[allow(unused_imports)]
                use super::*;

                $crate::for_each_backend!(@checks $test $make $checks);
            }
        )+
    };
    (
        @checks ($test:meta) ($make:expr)
        [$( ($name:ident $(= $check:ident ($($arg:expr),*))?) )+]
    ) => {
        $(
            #[$test]
            async fn $name() {
                if let Some(backend) = $make {
                    $crate::for_each_backend!(@call backend $name $(= $check ($($arg),*))?);
                }
            }
        )+
    };
    (@call $backend:ident $name:ident) => {
        super::$name($backend).await
    };
    (@call $backend:ident $name:ident = $check:ident ($($arg:expr),*)) => {
        super::$check($backend, $($arg),*).await
    };
}
