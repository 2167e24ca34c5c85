;; leak.scm: a request handler with a leak, for the heap-profiling walk-through
;; in docs/tuning.md. Every response is remembered in a global table "for
;; later" and never dropped, so the heap grows with the number of requests.
;;
;;   scheme --pprof target/leak.pb.gz examples/scheme/programs/leak.scm
;;   go tool pprof -top target/leak.pb.gz
;;
;; The fix (run with fixed=1): keep only the last few responses.

(define responses (make-table))

(define (render id)
  (let ((body (make-vector 32 id)))
    (vector-set! body 0 (string-append "response " "body"))
    body))

(define (handle-request id)
  (let ((response (render id)))
    (table-set! responses id response)
    (if (= (param 'fixed 0) 1)
        (table-delete! responses (- id 8)))
    (vector-length response)))

(define (serve n)
  (do ((i 0 (+ i 1)))
      ((= i n))
    (handle-request i)))

(serve (param 'requests 20000))
(display "served ")
(display (table-count responses))
(display " responses kept")
(newline)
