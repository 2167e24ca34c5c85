;;; closures: a program made of closures.
;;;
;;; Counters and accumulators that keep private state in captured variables
;;; (set! on a captured variable writes an environment frame through the
;;; write barrier), function composition, Church numerals, a stream of
;;; closures, and many short-lived closures made inside loops.
;;;
;;;   rounds=N   how many times the closure-churning loop runs (default 200000)

(define rounds (param 'rounds 200000))

;; --- private state -------------------------------------------------------

(define (make-counter)
  (let ((count 0))
    (lambda ()
      (set! count (+ count 1))
      count)))

(define a (make-counter))
(define b (make-counter))
(a) (a) (b)
(display "counters: ") (display (list (a) (b))) (newline)

(define (make-account balance)
  (define (deposit! amount) (set! balance (+ balance amount)) balance)
  (define (withdraw! amount)
    (if (> amount balance)
        (error "insufficient funds:" amount)
        (begin (set! balance (- balance amount)) balance)))
  (lambda (message . args)
    (cond ((eq? message 'deposit) (apply deposit! args))
          ((eq? message 'withdraw) (apply withdraw! args))
          ((eq? message 'balance) balance)
          (else (error "unknown message" message)))))

(define account (make-account 100))
(account 'deposit 50)
(account 'withdraw 30)
(display "balance: ") (display (account 'balance)) (newline)

;; --- composition ------------------------------------------------------------

(define (compose . fs)
  (if (null? fs)
      (lambda (x) x)
      (lambda (x) ((car fs) ((apply compose (cdr fs)) x)))))

(define add1 (lambda (x) (+ x 1)))
(define double (lambda (x) (* x 2)))
(display "compose: ") (display ((compose add1 double add1) 5)) (newline)

(define (repeat f n)
  (if (= n 0) (lambda (x) x) (compose f (repeat f (- n 1)))))
(display "repeat: ") (display ((repeat add1 1000) 0)) (newline)

;; --- Church numerals -------------------------------------------------------

(define zero (lambda (f) (lambda (x) x)))
(define (succ n) (lambda (f) (lambda (x) (f ((n f) x)))))
(define (plus m n) (lambda (f) (lambda (x) ((m f) ((n f) x)))))
(define (times m n) (lambda (f) (m (n f))))
(define (church->int n) ((n add1) 0))
(define (int->church k) (if (= k 0) zero (succ (int->church (- k 1)))))
(define seven (int->church 7))
(define six (int->church 6))
(display "church: ") (display (church->int (plus (times seven six) seven))) (newline)

;; --- a lazy stream of closures -----------------------------------------------

(define (integers-from n) (cons n (lambda () (integers-from (+ n 1)))))
(define (stream-filter keep? s)
  (if (keep? (car s))
      (cons (car s) (lambda () (stream-filter keep? ((cdr s)))))
      (stream-filter keep? ((cdr s)))))
(define (sieve s)
  (cons (car s)
        (lambda ()
          (sieve (stream-filter (lambda (x) (not (= 0 (remainder x (car s)))))
                                ((cdr s)))))))
(define (stream-take s n)
  (if (= n 0) '() (cons (car s) (stream-take ((cdr s)) (- n 1)))))
(display "primes: ") (display (stream-take (sieve (integers-from 2)) 15)) (newline)

;; --- closure churn: every iteration makes and drops closures ---------------

(define (churn n)
  (let loop ((i 0) (total 0))
    (if (= i n)
        total
        (let* ((k (remainder i 7))
               (scale (lambda (x) (* x k)))
               (offset (lambda (x) (+ x i)))
               (both (compose scale offset)))
          (loop (+ i 1) (+ total (both 1)))))))
(display "churn: ") (display (churn rounds)) (newline)

;; Closures kept in a table, called later: captured variables outlive
;; the calls that made them.
(define handlers (make-table))
(for-each (lambda (name factor)
            (table-set! handlers name (lambda (x) (* factor x))))
          '(small medium large)
          '(1 10 100))
(display "handlers: ")
(display (map (lambda (name) ((table-ref handlers name) 3)) '(small medium large)))
(newline)
