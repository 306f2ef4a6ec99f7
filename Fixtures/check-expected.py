#!/usr/bin/env python3
"""Cross-check Fixtures/expected-references.tsv against the built modules/*.ko.

For every fixture and part it walks the relocations from the part's replacement
functions (stopping at other parts' replacement functions and at the main-part
export lp_multi_note_hit, following duplicated helpers such as lp_multi_tag)
and compares the UNDEFINED symbols reached with the TSV rows of that part.
References to symbols defined in the livepatch (C and D rows) are not UND and
are reported as "expected-only" for lp_multi sr_mod/fat; that is expected.
Needs readelf (binutils).  usage: Fixtures/check-expected.py
"""
import subprocess,re,collections
import os
fx=os.path.dirname(os.path.abspath(__file__))
roots={
 'lp_vmlinux':{'vmlinux':['livepatch_cmdline_proc_show']},
 'lp_cdrom':{'cdrom':['livepatch_cdrom_sysctl_info']},
 'lp_ambiguous':{'vmlinux':['livepatch_ambiguous_cmdline_proc_show']},
 'lp_multi':{'vmlinux':['livepatch_multi_cmdline_proc_show'],'cdrom':['livepatch_multi_cdrom_sysctl_info','livepatch_multi_cdrom_check_events'],'sr_mod':['livepatch_multi_sr_block_check_events'],'fat':['livepatch_multi_fat_statfs'],'init':['livepatch_init','livepatch_exit']},
 'lp_klpbuild':{'vmlinux':['livepatch_klpbuild_cmdline_proc_show'],'cdrom':['livepatch_klpbuild_cdrom_sysctl_info','livepatch_klpbuild_pre_patch_cdrom'],'init':['livepatch_mod_init','livepatch_mod_exit','kmalloc_array.constprop.0']},
}
for f in roots:
    roots[f].setdefault('init',['livepatch_init','livepatch_exit'])
stop={'lp_multi_note_hit'}  # main export
exp=collections.defaultdict(set)
for l in open(fx+'/expected-references.tsv'):
    if l.startswith('#'): continue
    f,p,s,c,v,w=l.rstrip('\n').split('\t')
    if c!='-': exp[(f,p)].add(s)
for f,parts in roots.items():
    ko=f'{fx}/modules/{f}.ko'
    out=subprocess.run(['readelf','-W','-s','-r','-S',ko],capture_output=True,text=True).stdout
    und=set(); sym2sec={}; secnames={}
    for l in out.splitlines():
        m=re.match(r'\s*\[\s*(\d+)\]\s+(\S+)',l)
        if m: secnames[m.group(2)]=int(m.group(1))
        p=l.split()
        if len(p)==8 and p[0].endswith(':') and p[3] in ('FUNC','OBJECT'):
            sym2sec[p[7]]=p[6]
        if len(p)==8 and p[0].endswith(':') and p[6]=='UND': und.add(p[7])
    idx2sec={v:k for k,v in secnames.items()}
    rel=collections.defaultdict(list); sec=None
    for l in out.splitlines():
        m=re.match(r"Relocation section '\.rela(\S+)'",l)
        if m: sec=m.group(1); continue
        p=l.split()
        if sec and len(p)>=5 and re.match(r'^[0-9a-f]{16}$',p[0]): rel[sec].append(p[4])
    def secof(sym):
        return idx2sec.get(int(sym2sec[sym])) if sym in sym2sec and sym2sec[sym].isdigit() else None
    allroots={r for rs in parts.values() for r in rs}
    for part,rs in parts.items():
        seen=set(); todo=[secof(r) for r in rs]; got=set()
        while todo:
            s=todo.pop()
            if s is None or s in seen: continue
            seen.add(s)
            for t in rel.get(s,[]):
                if t in und: got.add(t); continue
                tsec=t if t in secnames else secof(t)
                if tsec and tsec.startswith('.text'):
                    name=tsec.split('.',2)[-1] if tsec.startswith('.text.') else None
                    if t in stop or name in stop: continue
                    if (name in allroots and name not in rs) or (t in allroots and t not in rs): continue
                    todo.append(tsec)
        e=exp.get((f,part),set())
        if got!=e: print('MISMATCH',f,part,'actual-only:',sorted(got-e),'expected-only:',sorted(e-got))
        else: print('ok',f,part,len(got))
