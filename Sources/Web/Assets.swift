// The one stylesheet, served from this site (no external assets or fonts: the council network
// may have no internet). GOV.UK Design System look: system fonts, yellow focus with a black
// underline, 4.5:1 contrast or more for text, error red with a left border.

enum Assets {
    static let css = """
    *,*::before,*::after{box-sizing:border-box}
    html{font-family:Arial,"Helvetica Neue",Helvetica,sans-serif;font-size:100%;color:#0b0c0c;background:#f3f2f1;line-height:1.4}
    body{margin:0;background:#fff}
    .width{max-width:1020px;margin:0 auto;padding:0 15px}
    .skip-link{position:absolute;left:-9999px;top:0;padding:10px 15px;background:#ffdd00;color:#0b0c0c}
    .skip-link:focus{left:0;z-index:10}
    a{color:#1d70b8;text-decoration:underline;text-underline-offset:.15em}
    a:visited{color:#4c2c92}
    a:hover{color:#003078;text-decoration-thickness:3px}
    a:focus,button:focus,.button:focus,input:focus,select:focus,textarea:focus,main:focus-visible{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 0 0 6px #0b0c0c}
    a:focus{background:#ffdd00;color:#0b0c0c;box-shadow:0 -2px #ffdd00,0 4px #0b0c0c;text-decoration:none;outline:none}
    main:focus{outline:none}
    .header{background:#0b0c0c;color:#fff;border-bottom:10px solid #1d70b8;padding:10px 0}
    .header .width{display:flex;flex-wrap:wrap;align-items:center;gap:10px 30px}
    .header a,.header a:visited{color:#fff;text-decoration:none}
    .header a:hover{text-decoration:underline}
    .header a:focus{color:#0b0c0c}
    .service-name{font-weight:700;font-size:1.5rem}
    .service-sub{font-weight:400;font-size:1rem}
    .nav{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:5px 20px}
    .nav a{font-weight:700}
    .nav a[aria-current=page]{text-decoration:underline;text-decoration-thickness:3px}
    .account{margin-left:auto;display:flex;gap:15px;align-items:center;font-size:.95rem}
    .inline{display:inline;margin:0}
    .button-link{background:none;border:0;padding:0;color:#fff;text-decoration:underline;font:inherit;cursor:pointer}
    .button-link:focus{color:#0b0c0c;background:#ffdd00}
    main.width{display:block;padding-top:30px;padding-bottom:45px}
    h1{font-size:2.25rem;margin:0 0 20px;line-height:1.1}
    h2{font-size:1.5rem;margin:35px 0 15px}
    h3{font-size:1.2rem;margin:25px 0 10px}
    .caption-l{display:block;color:#505a5f;font-size:1.25rem;margin-bottom:5px}
    p,li{font-size:1.1875rem;max-width:40em}
    .lead{font-size:1.5rem}
    .footer{background:#f3f2f1;border-top:1px solid #b1b4b6;padding:20px 0;color:#0b0c0c}
    .footer p{font-size:1rem;margin:0}
    .form-group{margin-bottom:25px}
    .form-group-error{border-left:5px solid #d4351c;padding-left:15px}
    .label{display:block;font-weight:700;font-size:1.1875rem;margin-bottom:5px}
    .hint{color:#505a5f;font-size:1.1875rem;margin-bottom:10px}
    .error-message{color:#d4351c;font-weight:700;margin:0 0 10px}
    .input,.select,.textarea{font:inherit;font-size:1.1875rem;border:2px solid #0b0c0c;padding:5px;min-height:40px;width:100%;max-width:30em;background:#fff;color:#0b0c0c}
    .input.narrow{max-width:8em}
    .input-error{border-color:#d4351c}
    .checkbox{display:flex;align-items:center;gap:10px}
    .checkbox input{width:32px;height:32px;margin:0}
    .checkbox label{font-size:1.1875rem}
    .button{display:inline-block;font:inherit;font-size:1.1875rem;font-weight:400;color:#fff;background:#00703c;border:2px solid transparent;
      border-radius:0;box-shadow:0 2px 0 #002d18;padding:8px 10px 7px;cursor:pointer;text-decoration:none;margin:0 15px 15px 0}
    .button:hover{background:#005a30}
    .button:focus{background:#ffdd00;color:#0b0c0c;border-color:#ffdd00;box-shadow:0 2px 0 #0b0c0c;outline:3px solid transparent}
    .button-secondary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}
    .button-secondary:hover{background:#dbdad9}
    .button-warning{background:#d4351c;box-shadow:0 2px 0 #55150b}
    .button-warning:hover{background:#aa2a16}
    a.button,a.button:visited{color:#fff}a.button-secondary,a.button-secondary:visited{color:#0b0c0c}a.button:focus{color:#0b0c0c}
    .error-summary{border:5px solid #d4351c;padding:20px;margin-bottom:30px}
    .error-summary h2{margin-top:0}
    .error-summary a{color:#d4351c;font-weight:700}
    .error-summary a:focus{color:#0b0c0c}
    .notice{border:5px solid #00703c;padding:15px 20px;margin-bottom:30px}
    .notice p{margin:0;font-weight:700}
    .summary-list{margin:0 0 30px;font-size:1.1875rem;display:grid;grid-template-columns:minmax(12em,30%) 1fr}
    .summary-list dt,.summary-list dd{margin:0;padding:10px 20px 10px 0;border-bottom:1px solid #b1b4b6}
    .summary-list dt{font-weight:700}
    .table{border-collapse:collapse;width:100%;margin-bottom:30px;font-size:1rem}
    .table th,.table td{text-align:left;border-bottom:1px solid #b1b4b6;padding:10px 20px 10px 0;vertical-align:top}
    .table .num{text-align:right}
    .caption{font-weight:700;font-size:1.25rem;text-align:left;margin-bottom:10px}
    .tag{display:inline-block;padding:2px 8px;font-weight:700;font-size:.95rem;background:#d2e2f1;color:#0c2d4a}
    .tag-red{background:#f4cdc6;color:#2a0b06}
    .tag-yellow{background:#fff7bf;color:#3d2f00}
    .tag-green{background:#cce2d8;color:#005a30}
    .tag-grey{background:#e5e6e7;color:#0b0c0c}
    .action{border-top:2px solid #1d70b8;padding-top:10px;margin-bottom:30px}
    .filters{display:flex;flex-wrap:wrap;gap:0 20px;align-items:flex-end}
    .filters .form-group{min-width:12em}
    .visually-hidden{position:absolute!important;width:1px!important;height:1px!important;margin:0!important;padding:0!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;border:0!important;white-space:nowrap!important}
    .warning{border-left:10px solid #d4351c;padding:10px 15px;background:#fff}
    @media (max-width:640px){h1{font-size:1.75rem}.summary-list{display:block}.summary-list dt{border-bottom:0;padding-bottom:0}.table{font-size:.95rem}}
    """
}
