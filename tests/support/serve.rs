//! An axum router served on 127.0.0.1 (a free port) on a thread and runtime of its own,
//! stopped (gracefully, then joined) when dropped. `http_server` serves its router with it too.

pub struct Served {
    pub url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn serve(app: axum::Router) -> Served {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            url_tx
                .send(format!("http://{}", listener.local_addr().unwrap()))
                .unwrap();
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
    });
    Served {
        url: url_rx.recv().unwrap(),
        shutdown: Some(tx),
        thread: Some(thread),
    }
}
